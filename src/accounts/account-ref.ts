/**
 * Account references: `<provider>/<userName>/<kind>`, kind `access-key` or `password`. IAM
 * compares user names without case, so keys use the lower-cased name while records keep the
 * case AWS reports.
 */
import { invalidInput } from '../errors.ts';
import {
  type AccountKind,
  accountKindSchema,
  checkIdentifier,
  iamUserNameSchema,
  providerIdSchema,
  quoteInput,
  type UserRef,
} from '../identifiers.ts';
import { accountKey } from '../keys.ts';

export interface AccountRef extends UserRef {
  kind: AccountKind;
}

/** The canonical reference (lower-cased user): the key of records, vault owners and dedup ids. */
export function canonicalRef(ref: AccountRef): string {
  return accountKey(ref.provider, ref.userName, ref.kind);
}

export function displayRef(ref: AccountRef): string {
  return `${ref.provider}/${ref.userName}/${ref.kind}`;
}

export function checkAccountParts(provider: string, userName: string, kind: string): AccountRef {
  return {
    provider: checkIdentifier(providerIdSchema, 'provider', provider),
    userName: checkIdentifier(iamUserNameSchema, 'user name', userName),
    kind: checkIdentifier(accountKindSchema, 'kind', kind),
  };
}

/** Parses `prod/alice/access-key` (the user name may be percent-encoded, as in URLs). */
export function parseAccountRef(text: string): AccountRef {
  const parts = text.split('/');
  if (parts.length !== 3) {
    throw invalidInput(
      `account ${quoteInput(text)}: expected <provider>/<userName>/<kind>, e.g. prod/alice/access-key`,
    );
  }
  const [provider = '', rawUser = '', kind = ''] = parts;
  let userName: string;
  try {
    userName = decodeURIComponent(rawUser);
  } catch {
    throw invalidInput(`account ${quoteInput(text)}: the user name is not valid percent-encoding`);
  }
  return checkAccountParts(provider, userName, kind);
}

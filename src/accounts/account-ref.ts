/**
 * Account references: `<provider>/<userName>/<kind>`, kind `access-key` or `password`. IAM
 * compares user names without case, so keys use the lower-cased name while records keep the
 * case AWS reports.
 */
import { invalidInput } from '../errors.ts';
import { type AccountKind, accountKey } from '../keys.ts';
import { IAM_USER_NAME, PROVIDER_ID } from '../identifiers.ts';

export const ACCOUNT_KINDS: readonly AccountKind[] = ['access-key', 'password'];

export interface AccountRef {
  provider: string;
  userName: string;
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
  if (!PROVIDER_ID.test(provider)) {
    throw invalidInput(`provider "${provider}": must match ^[a-z0-9][a-z0-9-]{0,62}$`);
  }
  if (!IAM_USER_NAME.test(userName)) {
    throw invalidInput(
      `user name "${userName}": must be 1-64 characters of letters, digits and +=,.@_-`,
    );
  }
  if (!(ACCOUNT_KINDS as readonly string[]).includes(kind)) {
    throw invalidInput(`kind "${kind}": must be access-key or password`);
  }
  return { provider, userName, kind: kind as AccountKind };
}

/** Parses `prod/alice/access-key` (the user name may be percent-encoded, as in URLs). */
export function parseAccountRef(text: string): AccountRef {
  const parts = text.split('/');
  if (parts.length !== 3) {
    throw invalidInput(
      `account "${text}": expected <provider>/<userName>/<kind>, e.g. prod/alice/access-key`,
    );
  }
  const [provider = '', rawUser = '', kind = ''] = parts;
  let userName: string;
  try {
    userName = decodeURIComponent(rawUser);
  } catch {
    throw invalidInput(`account "${text}": the user name is not valid percent-encoding`);
  }
  return checkAccountParts(provider, userName, kind);
}

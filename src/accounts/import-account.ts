/**
 * `account add` (DESIGN.md "Reset on import"): reads IAM synchronously (GetUser, then
 * ListAccessKeys or GetLoginProfile) through the provider's budget and never changes AWS. The
 * user's existing key becomes the account's; an adopted secret is verified with STS before it
 * is stored. With `resetOnImport` the caller then asks for a rotation (`wantsReset`): with no
 * key it creates the first managed key, with one it replaces it; a password is set at once,
 * the login profile created when the user has none.
 */
import { z } from 'zod';

import type { AuditLog } from '../audit/audit-log.ts';
import { parseInput } from '../describe-zod-error.ts';
import { invalidInput, isAppError, PermanentError } from '../errors.ts';
import type { CredentialVerifier, IamGateway } from '../iam/iam-gateway.ts';
import type { ProviderStore } from '../providers/provider-store.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import { type AccountRef, canonicalRef } from './account-ref.ts';
import type { AccountRecord, AccountStore } from './account-store.ts';
import { ACCESS_KEY_ID } from '../identifiers.ts';

export const importInputSchema = z
  .object({
    accessKeyId: z.string().regex(ACCESS_KEY_ID, 'must be an access key id').optional(),
    adoptSecret: z.unknown().optional(),
    resetOnImport: z.boolean().default(false),
  })
  .strict();

const adoptedKeySchema = z
  .object({ accessKeyId: z.string().min(16), secretAccessKey: z.string().min(16) })
  .strict();
const adoptedPasswordSchema = z.object({ password: z.string().min(1).max(128) }).strict();

export interface ImportDeps {
  providers: ProviderStore;
  accounts: AccountStore;
  vault: SecretStore;
  audit: AuditLog;
  gatewayFor(providerId: string): IamGateway;
  verifierFor(providerId: string): CredentialVerifier;
}

export async function importAccount(
  deps: ImportDeps,
  ref: AccountRef,
  body: unknown,
  actor: string,
): Promise<AccountRecord> {
  const input = parseInput(importInputSchema, body ?? {});
  await deps.providers.require(ref.provider);
  if (ref.kind === 'password' && input.accessKeyId !== undefined) {
    throw invalidInput('accessKeyId: only access-key accounts name a key');
  }
  const adoptKey =
    ref.kind === 'access-key' && input.adoptSecret !== undefined
      ? parseInput(adoptedKeySchema, input.adoptSecret, 'adoptSecret')
      : undefined;
  const adoptPassword =
    ref.kind === 'password' && input.adoptSecret !== undefined
      ? parseInput(adoptedPasswordSchema, input.adoptSecret, 'adoptSecret')
      : undefined;
  if (await deps.accounts.get(ref)) {
    throw new PermanentError(
      'conflict',
      `account ${ref.provider}/${ref.userName}/${ref.kind} is already managed; remove it first to import it again`,
    );
  }

  const gateway = deps.gatewayFor(ref.provider);
  const user = await gateway.getUser(ref.userName);
  const now = new Date().toISOString();
  const record: AccountRecord = {
    account: `${ref.provider}/${user.userName}/${ref.kind}`,
    provider: ref.provider,
    userName: user.userName,
    kind: ref.kind,
    status: 'managed',
    userId: user.userId,
    secretKnown: false,
    importedAt: now,
    updatedAt: now,
  };

  if (ref.kind === 'access-key') {
    const keys = await gateway.listAccessKeys(user.userName);
    const listed = keys.map((k) => `${k.accessKeyId} (${k.status})`).join(', ') || 'none';
    let chosen = input.accessKeyId ?? adoptKey?.accessKeyId;
    if (chosen !== undefined && !keys.some((k) => k.accessKeyId === chosen)) {
      throw invalidInput(
        `accessKeyId: user ${user.userName} has no key ${chosen} (keys: ${listed})`,
      );
    }
    if (chosen === undefined && keys.length > 1) {
      throw invalidInput(
        `user ${user.userName} has two keys (${listed}); name the account's key with --access-key-id (the other stays foreign)`,
      );
    }
    chosen ??= keys[0]?.accessKeyId;
    if (adoptKey !== undefined && adoptKey.accessKeyId !== chosen) {
      throw invalidInput(
        `adoptSecret.accessKeyId: ${adoptKey.accessKeyId} is not the account's key ${chosen}`,
      );
    }
    record.currentAccessKeyId = chosen;
    if (adoptKey !== undefined) {
      try {
        const identity = await deps
          .verifierFor(ref.provider)
          .verify({ accessKeyId: adoptKey.accessKeyId, secretAccessKey: adoptKey.secretAccessKey });
        if (!identity.arn.endsWith(`/${user.userName}`) && identity.userId !== user.userId) {
          throw invalidInput(
            `adoptSecret: key ${adoptKey.accessKeyId} signs as ${identity.arn}, not as user ${user.userName}`,
          );
        }
      } catch (err) {
        if (
          isAppError(err) &&
          (err.code === 'new_key_not_yet_valid' || err.code === 'provider_credential_invalid')
        ) {
          throw invalidInput(
            `adoptSecret: the secret does not work for key ${adoptKey.accessKeyId} (STS refused it); nothing was stored`,
          );
        }
        throw err;
      }
    }
  } else {
    record.loginProfileAtImport = (await gateway.getLoginProfile(user.userName)) !== undefined;
    if (adoptPassword !== undefined && !record.loginProfileAtImport) {
      throw invalidInput(
        `adoptSecret: user ${user.userName} has no console password to adopt; add the account without one (a rotation will set one)`,
      );
    }
  }

  // The secret first: a record never claims a secret the vault does not hold.
  const owner = canonicalRef(ref);
  const adopted = adoptKey ?? adoptPassword;
  if (adopted !== undefined) {
    await deps.vault.put(owner, 'current', adopted, { actor });
    record.secretKnown = true;
    record.passwordSource = adoptPassword ? 'adopted' : undefined;
  }
  await deps.accounts.create(record);
  await deps.audit.append({
    actor,
    action: 'account.add',
    outcome: 'ok',
    provider: ref.provider,
    account: owner,
    keyId: record.currentAccessKeyId,
    detail: { adopted: adopted !== undefined, userId: user.userId },
  });
  return record;
}

/** Whether the import asked for a rotation right after it (`--reset`, `resetOnImport`). */
export function wantsReset(body: unknown): boolean {
  return parseInput(importInputSchema, body ?? {}).resetOnImport;
}

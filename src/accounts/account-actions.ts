/** What the CLI and the HTTP API both do to an account: read its secret (audited), stop managing it. */
import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError } from '../errors.ts';
import type { JournalStore } from '../jobs/rotate/journal.ts';
import type { ProviderStore } from '../providers/provider-store.ts';
import type { SecretStore, SecretValue } from '../vault/secret-store.ts';
import { type AccountRef, canonicalRef } from './account-ref.ts';
import type { AccountRecord, AccountStore } from './account-store.ts';

export interface AccountActionDeps {
  accounts: AccountStore;
  vault: SecretStore;
  audit: AuditLog;
  providers: Pick<ProviderStore, 'list'>;
  journals: Pick<JournalStore, 'read'>;
}

/** The current secret; every read is audited, a refused one too. */
export async function readAccountSecret(
  deps: AccountActionDeps,
  ref: AccountRef,
  actor: string,
): Promise<SecretValue> {
  const record = await deps.accounts.require(ref);
  const secret = await deps.vault.read(canonicalRef(ref), 'current');
  await deps.audit.append({
    actor,
    action: 'secret.read',
    outcome: secret ? 'ok' : 'refused',
    provider: ref.provider,
    account: canonicalRef(ref),
    keyId: secret && 'accessKeyId' in secret ? secret.accessKeyId : undefined,
  });
  if (secret === undefined) {
    throw new PermanentError(
      'secret_unknown',
      `no secret is known for ${record.account}: it was imported without adopting its secret and has not been rotated yet; to adopt it: iam-pam account remove ${record.account}, then iam-pam account add ${record.account} --adopt-secret-stdin`,
    );
  }
  return secret;
}

/** Stops managing an account: its record and vault versions go; AWS is left as it is. */
export async function removeAccount(
  deps: AccountActionDeps,
  ref: AccountRef,
  actor: string,
): Promise<AccountRecord> {
  const record = await deps.accounts.require(ref);
  const owner = canonicalRef(ref);
  const open = await deps.journals.read(ref);
  if (open !== undefined) {
    // Removing it would drop the pending secret of a key that may exist in AWS.
    throw new PermanentError(
      'rotation_in_progress',
      `${record.account}: rotation ${open.rotationId} is half-finished (step ${open.step}); resume it (iam-pam dlq replay) or abandon it (iam-pam rotate ${record.account} --abandon) first`,
      { detail: { rotationId: open.rotationId, step: open.step } },
    );
  }
  const signing = (await deps.providers.list()).filter(
    (p) => p.credential.type === 'linked' && p.credential.account === owner,
  );
  if (signing.length > 0) {
    throw new PermanentError(
      'conflict',
      `${record.account} is the key provider ${signing.map((p) => `"${p.id}"`).join(', ')} signs with; switch that provider to another credential first (iam-pam provider add)`,
    );
  }
  await deps.vault.removeOwner(owner, { actor });
  await deps.accounts.remove(ref);
  await deps.audit.append({
    actor,
    action: 'account.remove',
    outcome: 'ok',
    provider: ref.provider,
    account: canonicalRef(ref),
  });
  return record;
}

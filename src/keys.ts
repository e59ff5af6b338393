/**
 * Every Redis key iam-pam writes, in one place. All live under the hash tag `{<prefix>}`, so
 * they share one Redis Cluster slot and multi-key Lua scripts work (BullMQ's prefix is exactly
 * `{<prefix>}` too). User names are lower-cased: IAM treats them as case-insensitive.
 */
import type { AccountKind } from './identifiers.ts';

export function userKey(provider: string, userName: string): string {
  return `${provider}/${userName.toLowerCase()}`;
}

export function accountKey(provider: string, userName: string, kind: AccountKind): string {
  return `${userKey(provider, userName)}/${kind}`;
}

/** The vault owner of a provider's own credential (`provider:<id>`). */
export function providerOwner(providerId: string): string {
  return `provider:${providerId}`;
}

/** The provider a vault owner belongs to: `provider:<id>`, or an account's first segment. */
export function providerOfOwner(owner: string): string | undefined {
  return owner.startsWith('provider:') ? owner.slice('provider:'.length) : owner.split('/')[0];
}

export function createKeys(prefix: string) {
  const root = `{${prefix}}`;
  return {
    /** BullMQ's `prefix` option. */
    bullPrefix: root,
    /** Lifecycle events (CONTRACT.md "Events"). */
    events: `${root}:events`,
    /** The audit trail of vault writes, secret reads and IAM mutations. */
    audit: `${root}:audit`,
    /**
     * The lease on one IAM user (DESIGN.md invariant 5): a string holding the holder's lease
     * value `<token>:<nonce>`, with a TTL. Scripts that write the journal or the vault compare
     * it whole with the caller's (queue/lease-guard.ts) and refuse on a mismatch.
     */
    userLease: (provider: string, userName: string) =>
      `${root}:lease:${userKey(provider, userName)}`,
    /** The counter that issues fencing tokens for one IAM user (seeded from Redis's clock, µs). */
    userFence: (provider: string, userName: string) =>
      `${root}:fence:${userKey(provider, userName)}`,
    /** The GCRA state (theoretical arrival time, µs) of one provider's IAM rate budget. */
    rateBudget: (provider: string) => `${root}:budget:${provider}`,
    /** One `Idempotency-Key` of one caller (hashed): the job it created, for 24 h. */
    idempotency: (hash: string) => `${root}:idempotency:${hash}`,
    /** The state snapshot a handler attached to a job's last run, for its dead-letter entry. */
    jobState: (queue: string, jobId: string) => `${root}:job-state:${queue}-${jobId}`,
    /**
     * Sorted set of failed jobs already copied to the dead-letter queue: member
     * `<queue>-<jobId>`, score = the `finishedOn` (ms) of the failure last copied, so a later
     * failure of the same job (retried by hand) is copied again.
     */
    deadLettered: `${root}:dead-lettered`,
    /** Held (with a TTL) while one caller copies one failure of `<queue>-<jobId>`. */
    deadLetterRecordClaim: (member: string) => `${root}:dead-letter-claim:record:${member}`,
    /** Held (with a TTL) while one caller replays one dead-letter entry. */
    deadLetterReplayClaim: (entryId: string) => `${root}:dead-letter-claim:replay:${entryId}`,
    /**
     * The vault record of one secret owner (a hash: versions and their stages). `owner` is an
     * account key (`prod/alice/access-key`) or `provider:<id>` for a provider's own credential.
     */
    vault: (owner: string) => `${root}:vault:${owner}`,
    /** Every vault owner (for rekey and scans). */
    vaultIndex: `${root}:vault-index`,
    /** One provider's record (JSON, no secret). */
    provider: (id: string) => `${root}:provider:${id}`,
    /** Every provider id. */
    providers: `${root}:providers`,
    /** One managed account's record (JSON, no secret); `ref` is `<provider>/<user lower>/<kind>`. */
    account: (ref: string) => `${root}:account:${ref}`,
    /** The account references of one provider. */
    providerAccounts: (provider: string) => `${root}:accounts:${provider}`,
    /** The summary of a provider's last discovery, complete or partial (JSON). */
    discoveryLast: (provider: string) => `${root}:discovery:${provider}:last`,
    /**
     * The last complete snapshot of a provider under one path prefix: a hash of lower-cased
     * user name → compact user entry (discovery/snapshot-entry.ts). The baseline of the next diff.
     */
    discoverySnapshot: (provider: string, pathPrefix: string) =>
      `${root}:discovery:${provider}:snapshot:${pathPrefix}`,
    /** When and by which job that snapshot was taken, with its counts (JSON). */
    discoveryBaseline: (provider: string, pathPrefix: string) =>
      `${root}:discovery:${provider}:baseline:${pathPrefix}`,
    /**
     * One discovery job's progress, so a successor resumes where a killed worker stopped:
     * `state` (a hash: next marker, pages done), `pending` (users listed, keys not yet) and
     * `users` (users done: it becomes the snapshot when the run completes).
     */
    discoveryRun: (provider: string, jobId: string, part: 'state' | 'pending' | 'users') =>
      `${root}:discovery-run:${provider}:${jobId}:${part}`,
    /**
     * The open rotation journal of one managed account (a hash, rotation/journal-scripts.ts);
     * `account` is `<provider>/<user lower>/<kind>`. At most one per account.
     */
    rotationJournal: (account: string) => `${root}:journal:${account}`,
    /** The account's closed journals, newest first (a list of JSON, the last 20). */
    rotationHistory: (account: string) => `${root}:journal-history:${account}`,
    /**
     * IAM mutations of one account sent but not yet settled in the audit (a hash: audit entry
     * id → JSON `{action, keyId, jobId}`): what a resumed run settles (DESIGN.md invariant 9).
     */
    unsettledMutations: (account: string) => `${root}:audit-unsettled:${account}`,
    /**
     * The processes with an IAM call in flight signed with one access key (a sorted set:
     * process id → when its entry expires, ms of Redis's clock; queue/signing-registry.ts).
     */
    signingKey: (accessKeyId: string) => `${root}:signing:${accessKeyId}`,
    /** A value encrypted under the master key, to tell a wrong key at start-up. */
    vaultKeyCheck: `${root}:vault-keycheck`,
    /**
     * The id of the vault's active master key (vault/active-master-key.ts): every vault write
     * must be sealed under it, so a process still holding a retired key cannot write.
     */
    vaultMasterKeyId: `${root}:vault-master-key-id`,
  };
}

export type Keys = ReturnType<typeof createKeys>;

/** Managed accounts in Redis: one JSON record each (no secret) and an index per provider. */
import type { Redis } from 'ioredis';

import { PermanentError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { type AccountRef, canonicalRef, displayRef } from './account-ref.ts';

export const ACCOUNT_STATUSES = ['managed', 'rotating', 'needs_attention'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface AccountRecord extends AccountRef {
  /** `<provider>/<userName>/<kind>` with the user name as AWS spells it. */
  account: string;
  status: AccountStatus;
  /** IAM's UserId at import: a different one later means the user was deleted and recreated. */
  userId: string;
  /** The account's key (access-key accounts); absent until the first managed key exists. */
  currentAccessKeyId?: string | undefined;
  /** Whether the vault holds the current secret (adopted or created by us). */
  secretKnown: boolean;
  /** Where the current password came from (password accounts). */
  passwordSource?: 'adopted' | 'set_by_us' | undefined;
  /** Whether the user had a console password at import (password accounts). */
  loginProfileAtImport?: boolean | undefined;
  lastHeartbeat?: { verdict: string; at: string; detail?: string | undefined } | undefined;
  lastRotation?: { state: string; at: string; jobId?: string | undefined } | undefined;
  importedAt: string;
  updatedAt: string;
}

export interface AccountStore {
  get(ref: AccountRef): Promise<AccountRecord | undefined>;
  /** The account, or `not_found` naming it. */
  require(ref: AccountRef): Promise<AccountRecord>;
  /** Writes a new account; `conflict` if it is already managed. */
  create(record: AccountRecord): Promise<void>;
  update(ref: AccountRef, change: Partial<AccountRecord>): Promise<AccountRecord>;
  remove(ref: AccountRef): Promise<void>;
  list(provider?: string): Promise<AccountRecord[]>;
  count(provider: string): Promise<number>;
}

export function createAccountStore(redis: Redis, keys: Keys): AccountStore {
  async function read(canonical: string): Promise<AccountRecord | undefined> {
    const json = await redis.get(keys.account(canonical));
    return json === null ? undefined : (JSON.parse(json) as AccountRecord);
  }

  const store: AccountStore = {
    get: (ref) => read(canonicalRef(ref)),

    async require(ref) {
      const record = await read(canonicalRef(ref));
      if (record === undefined) {
        throw new PermanentError(
          'not_found',
          `account ${displayRef(ref)} is not managed; add it with iam-pam account add ${displayRef(ref)}`,
        );
      }
      return record;
    },

    async create(record) {
      const canonical = canonicalRef(record);
      const created = await redis.set(keys.account(canonical), JSON.stringify(record), 'NX');
      if (created === null) {
        throw new PermanentError(
          'conflict',
          `account ${record.account} is already managed; remove it first to import it again`,
        );
      }
      await redis.sadd(keys.providerAccounts(record.provider), canonical);
    },

    async update(ref, change) {
      const current = await store.require(ref);
      const updated = { ...current, ...change, updatedAt: new Date().toISOString() };
      await redis.set(keys.account(canonicalRef(ref)), JSON.stringify(updated));
      return updated;
    },

    async remove(ref) {
      const canonical = canonicalRef(ref);
      await redis
        .multi()
        .del(keys.account(canonical))
        .srem(keys.providerAccounts(ref.provider), canonical)
        .exec();
    },

    async list(provider) {
      const providers = provider === undefined ? await redis.smembers(keys.providers) : [provider];
      const refs = (
        await Promise.all(providers.map((p) => redis.smembers(keys.providerAccounts(p))))
      )
        .flat()
        .sort();
      const records = await Promise.all(refs.map((ref) => read(ref)));
      return records.filter((r): r is AccountRecord => r !== undefined);
    },

    count: (provider) => redis.scard(keys.providerAccounts(provider)),
  };
  return store;
}

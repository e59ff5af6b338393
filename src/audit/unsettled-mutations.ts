/**
 * The IAM mutations of each account that were sent and never settled in the audit: a worker
 * died mid-call, or the response was lost (`unknown`). A resumed run of the account settles
 * them (DESIGN.md invariant 9), so the trail never ends at `attempted`.
 */
import type { Redis } from 'ioredis';

import type { Keys } from '../keys.ts';

export interface UnsettledMutation {
  /** The audit entry id of its `attempted` entry. */
  attemptId: string;
  action: string;
  keyId?: string | undefined;
  jobId?: string | undefined;
}

export interface UnsettledMutations {
  add(account: string, mutation: UnsettledMutation): Promise<void>;
  remove(account: string, attemptId: string): Promise<void>;
  list(account: string): Promise<UnsettledMutation[]>;
}

export function createUnsettledMutations(redis: Redis, keys: Keys): UnsettledMutations {
  return {
    async add(account, mutation) {
      await redis.hset(
        keys.unsettledMutations(account),
        mutation.attemptId,
        JSON.stringify(mutation),
      );
    },
    async remove(account, attemptId) {
      await redis.hdel(keys.unsettledMutations(account), attemptId);
    },
    async list(account) {
      const all = await redis.hgetall(keys.unsettledMutations(account));
      return Object.values(all)
        .map((json) => JSON.parse(json) as UnsettledMutation)
        .sort((a, b) => a.attemptId.localeCompare(b.attemptId));
    },
  };
}

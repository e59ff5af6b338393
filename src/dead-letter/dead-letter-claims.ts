/**
 * The two races of the dead-letter, settled in Redis: copying one failure (the worker's
 * `failed` listener and the reconciler of another process may both try) and replaying one
 * entry (two operators, or the CLI and the API). A claim is a key with a TTL, taken by the
 * same script that reads the durable mark (the copied-set's score, the entry's `replayedAt`),
 * so nobody slips in between a check and a claim. A caller that fails lets its claim go; one
 * that dies lets it lapse, and the work is done again rather than lost.
 */
import { randomUUID } from 'node:crypto';

import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { defineScript, runScript } from '../queue/run-script.ts';

/** Far longer than copying or enqueueing takes: a live holder never loses its claim. */
const CLAIM_TTL_MS = 60_000;

/** KEYS: copied-set, claim. ARGV: member, finishedOn, token, ttl. 1 = claimed. */
const CLAIM_COPY = defineScript(`
local copied = redis.call('ZSCORE', KEYS[1], ARGV[1])
if copied and tonumber(copied) >= tonumber(ARGV[2]) then
  return 0
end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
  return 0
end
return 1
`);

/** KEYS: copied-set, claim. ARGV: member, finishedOn, token. */
const MARK_COPIED = defineScript(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[3] then
  redis.call('DEL', KEYS[2])
end
return 1
`);

/** KEYS: claim, entry's job hash. ARGV: token, ttl. */
const CLAIM_REPLAY = defineScript(`
local data = redis.call('HGET', KEYS[2], 'data')
if not data then
  return 'missing'
end
if cjson.decode(data).replayedAt then
  return 'replayed'
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 'busy'
end
return 'claimed'
`);

/** KEYS: claim. ARGV: token. */
const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
`);

export interface Claim {
  /** Lets another caller do the work (best effort: the claim lapses anyway). */
  release(): Promise<void>;
}

export interface CopyClaim extends Claim {
  /** Records the failure as copied and lets the claim go, in one step. */
  markCopied(): Promise<void>;
}

export interface DeadLetterClaims {
  /** This caller is to copy the failure `finishedOn` of `<queue>-<jobId>`; else undefined. */
  claimCopy(member: string, finishedOn: number): Promise<CopyClaim | undefined>;
  /** This caller is to replay the entry whose job hash is `entryKey`; else why not. */
  claimReplay(entryId: string, entryKey: string): Promise<Claim | 'replayed' | 'busy' | 'missing'>;
}

export function createDeadLetterClaims(redis: RedisConnection, keys: Keys): DeadLetterClaims {
  const claimOf = (key: string, token: string): Claim => ({
    async release() {
      await runScript(redis, RELEASE, [key], [token]).catch(() => undefined);
    },
  });
  return {
    async claimCopy(member, finishedOn) {
      const key = keys.deadLetterRecordClaim(member);
      const token = randomUUID();
      const claimed = await runScript(
        redis,
        CLAIM_COPY,
        [keys.deadLettered, key],
        [member, finishedOn, token, CLAIM_TTL_MS],
      );
      if (claimed !== 1) {
        return undefined;
      }
      return {
        ...claimOf(key, token),
        async markCopied() {
          await runScript(
            redis,
            MARK_COPIED,
            [keys.deadLettered, key],
            [member, finishedOn, token],
          );
        },
      };
    },

    async claimReplay(entryId, entryKey) {
      const key = keys.deadLetterReplayClaim(entryId);
      const token = randomUUID();
      const outcome = await runScript(redis, CLAIM_REPLAY, [key, entryKey], [token, CLAIM_TTL_MS]);
      return outcome === 'claimed'
        ? claimOf(key, token)
        : (outcome as 'replayed' | 'busy' | 'missing');
    },
  };
}

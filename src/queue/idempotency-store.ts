/**
 * `Idempotency-Key`: the same key from the same caller within 24 h returns the job the first
 * request created (CONTRACT.md). The first request reserves the key before it enqueues, so two
 * concurrent requests with one key create one job. The key is bound to the request it came
 * with: reusing it for a different request is a 409, as with Stripe's keys.
 */
import { createHash } from 'node:crypto';

import { PermanentError } from '../errors.ts';
import type { EnqueuedJob } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import { sleep } from '../sleep.ts';
import type { RedisConnection } from './redis-connections.ts';

export const IDEMPOTENCY_WINDOW_S = 24 * 3600;
/** How long a reservation may stay pending (the enqueue itself takes milliseconds). */
const PENDING_MS = 10_000;

interface Slot {
  fingerprint: string;
  job?: EnqueuedJob;
}

export interface IdempotencyStore {
  /** Returns the job remembered for `key`, or creates one with `create` and remembers it. */
  once(
    key: { scope: string; key: string; fingerprint: string },
    create: () => Promise<EnqueuedJob>,
  ): Promise<EnqueuedJob & { replayed: boolean }>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createIdempotencyStore(deps: {
  redis: RedisConnection;
  keys: Keys;
}): IdempotencyStore {
  const { redis, keys } = deps;
  return {
    async once({ scope, key, fingerprint }, create) {
      const slotKey = keys.idempotency(sha256(`${scope}\u0000${key}`));
      const deadline = Date.now() + PENDING_MS;
      for (;;) {
        const reserved = await redis.set(
          slotKey,
          JSON.stringify({ fingerprint } satisfies Slot),
          'PX',
          PENDING_MS,
          'NX',
        );
        if (reserved === 'OK') {
          try {
            const job = await create();
            await redis.set(
              slotKey,
              JSON.stringify({ fingerprint, job } satisfies Slot),
              'EX',
              IDEMPOTENCY_WINDOW_S,
            );
            return { ...job, replayed: false };
          } catch (err) {
            await redis.del(slotKey);
            throw err;
          }
        }
        const raw = await redis.get(slotKey);
        const slot = raw === null ? undefined : (JSON.parse(raw) as Slot);
        if (slot !== undefined && slot.fingerprint !== fingerprint) {
          throw new PermanentError(
            'conflict',
            'Idempotency-Key: this key was used within 24 h for a different request; use a new key',
          );
        }
        if (slot?.job !== undefined) {
          return { ...slot.job, replayed: true };
        }
        if (Date.now() > deadline) {
          throw new PermanentError(
            'conflict',
            'Idempotency-Key: a request with this key is still being enqueued',
          );
        }
        await sleep(25);
      }
    },
  };
}

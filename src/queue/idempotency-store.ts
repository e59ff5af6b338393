/**
 * `Idempotency-Key`: the same key from the same caller within 24 h returns the job the first
 * request created (CONTRACT.md). The first request reserves the key before it enqueues, so two
 * concurrent requests with one key create one job. The key is bound to the request it came
 * with: reusing it for a different request is a 409, as with Stripe's keys.
 *
 * A reservation carries a random owner token. If the enqueue outlives the pending window, the
 * reservation expires and a second request may reserve and enqueue; the first then neither
 * records its job over the second's slot nor releases it: both writes are compare-and-set
 * scripts on the exact pending value it wrote.
 */
import { createHash, randomUUID } from 'node:crypto';

import { PermanentError } from '../errors.ts';
import type { EnqueuedJob } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import { sleep } from '../sleep.ts';
import { DELETE_IF_HOLDS } from './delete-if-holds.ts';
import type { RedisConnection } from './redis-connections.ts';
import { defineScript, runScript } from './run-script.ts';

export const IDEMPOTENCY_WINDOW_S = 24 * 3600;
/** How long a reservation may stay pending (the enqueue itself takes milliseconds). */
const PENDING_MS = 10_000;

interface Slot {
  fingerprint: string;
  /** The reserving request's token, while pending. */
  owner?: string;
  job?: EnqueuedJob;
}

// KEYS[1] slot; ARGV[1] our pending value, ARGV[2] the slot with the job, ARGV[3] window (s).
// Also written when the slot expired and nobody reserved it since: a retry then finds the job.
const RECORD = defineScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or current == false then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
`);

export interface IdempotencyStore {
  /** Returns the job remembered for `key`, or creates one with `create` and remembers it. */
  once(
    key: { scope: string; key: string; fingerprint: string },
    create: () => Promise<EnqueuedJob>,
  ): Promise<EnqueuedJob & { replayed: boolean }>;
}

/** The Redis key of one caller's `Idempotency-Key` (hashed: keys are caller-chosen text). */
export function idempotencySlotKey(keys: Keys, scope: string, key: string): string {
  return keys.idempotency(createHash('sha256').update(`${scope}\u0000${key}`).digest('hex'));
}

export function createIdempotencyStore(deps: {
  redis: RedisConnection;
  keys: Keys;
  /** How long a reservation may stay pending; tests shorten it. */
  pendingMs?: number;
}): IdempotencyStore {
  const { redis, keys } = deps;
  const pendingMs = deps.pendingMs ?? PENDING_MS;
  return {
    async once({ scope, key, fingerprint }, create) {
      const slotKey = idempotencySlotKey(keys, scope, key);
      const deadline = Date.now() + pendingMs;
      for (;;) {
        const pending = JSON.stringify({ fingerprint, owner: randomUUID() } satisfies Slot);
        const reserved = await redis.set(slotKey, pending, 'PX', pendingMs, 'NX');
        if (reserved === 'OK') {
          let job: EnqueuedJob;
          try {
            job = await create();
          } catch (err) {
            await runScript(redis, DELETE_IF_HOLDS, [slotKey], [pending]);
            throw err;
          }
          const recorded = JSON.stringify({ fingerprint, job } satisfies Slot);
          await runScript(redis, RECORD, [slotKey], [pending, recorded, IDEMPOTENCY_WINDOW_S]);
          return { ...job, replayed: false };
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

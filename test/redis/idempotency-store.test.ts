/**
 * Idempotency-Key reservations on a real Redis: a request whose enqueue outlives its pending
 * window never overwrites nor releases the slot of the request that reserved after it.
 */
import { describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { createKeys } from '../../src/keys.ts';
import { createIdempotencyStore, idempotencySlotKey } from '../../src/queue/idempotency-store.ts';
import { useTestRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait-for.ts';

const t = useTestRedis();
const PENDING_MS = 200;
const keys = createKeys(t.prefix);
const store = createIdempotencyStore({ redis: t.redis, keys, pendingMs: PENDING_MS });
const job = (jobId: string): EnqueuedJob => ({ queue: 'validate', jobId });

/** Resolves when the slot's reservation lapsed (Redis expired it) and nobody took it since. */
async function lapsed(key: string): Promise<void> {
  const slot = idempotencySlotKey(keys, 'ci', key);
  await waitFor(`the reservation of ${key} to lapse`, async () =>
    (await t.redis.exists(slot)) === 0 ? true : undefined,
  );
}

/**
 * Starts a request whose enqueue is still running when its reservation lapses; a second request
 * (which waits for that lapse by itself) reserves and enqueues; then the first one finishes.
 */
async function slowThenQuick(key: string, slowCreate: () => Promise<EnqueuedJob>) {
  const request = { scope: 'ci', key, fingerprint: 'same-request' };
  let reserved = () => {};
  const slowReserved = new Promise<void>((resolve) => (reserved = resolve));
  let quickDone = () => {};
  const quickFinished = new Promise<void>((resolve) => (quickDone = resolve));
  const slow = store.once(request, async () => {
    reserved();
    await quickFinished;
    return slowCreate();
  });
  await slowReserved;
  const quick = await store.once(request, async () => job('second'));
  quickDone();
  const slowOutcome = await slow.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const later = await store.once(request, async () => job('third'));
  return { quick, slowOutcome, later };
}

describe('the Idempotency-Key store', () => {
  it('keeps the second owner’s job when the first one’s reservation expired before its enqueue finished', async () => {
    const { quick, slowOutcome, later } = await slowThenQuick('late-record', async () =>
      job('first'),
    );
    expect(quick).toEqual({ ...job('second'), replayed: false });
    // The late request has its own job, but the key now names the second one's.
    expect(slowOutcome).toEqual({ value: { ...job('first'), replayed: false } });
    expect(later).toEqual({ ...job('second'), replayed: true });
  });

  it('does not release the second owner’s slot when the first one’s late enqueue fails', async () => {
    const { quick, slowOutcome, later } = await slowThenQuick('late-failure', async () => {
      throw new Error('enqueue failed');
    });
    expect(quick).toEqual({ ...job('second'), replayed: false });
    expect(slowOutcome).toEqual({ error: new Error('enqueue failed') });
    expect(later).toEqual({ ...job('second'), replayed: true });
  });

  it('records a late job when nobody reserved the key in the meantime', async () => {
    const request = { scope: 'ci', key: 'late-alone', fingerprint: 'same-request' };
    await store.once(request, async () => {
      await lapsed('late-alone');
      return job('only');
    });
    expect(await store.once(request, async () => job('other'))).toEqual({
      ...job('only'),
      replayed: true,
    });
  });
});

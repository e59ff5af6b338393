/**
 * Idempotency-Key reservations on a real Redis: a request whose enqueue outlives its pending
 * window never overwrites nor releases the slot of the request that reserved after it.
 */
import { describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { createKeys } from '../../src/keys.ts';
import { createIdempotencyStore } from '../../src/queue/idempotency-store.ts';
import { sleep } from '../../src/sleep.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const PENDING_MS = 200;
const store = createIdempotencyStore({
  redis: t.redis,
  keys: createKeys(t.prefix),
  pendingMs: PENDING_MS,
});
const job = (jobId: string): EnqueuedJob => ({ queue: 'validate', jobId });

/** Starts a request whose enqueue takes longer than the pending window, then a second one. */
async function slowThenQuick(key: string, slowCreate: () => Promise<EnqueuedJob>) {
  const request = { scope: 'ci', key, fingerprint: 'same-request' };
  const slow = store.once(request, async () => {
    await sleep(PENDING_MS * 3);
    return slowCreate();
  });
  await sleep(PENDING_MS * 1.5);
  const quick = await store.once(request, async () => job('second'));
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
      await sleep(PENDING_MS * 2);
      return job('only');
    });
    expect(await store.once(request, async () => job('other'))).toEqual({
      ...job('only'),
      replayed: true,
    });
  });
});

/**
 * One job, one run: a run whose BullMQ job lock is taken away (as when its worker froze past
 * the lock and the stalled checker handed the job out again) stops, so the job's work is done
 * once — whether the run holds a user lease (its renewals check the lock) or not (BullMQ's
 * `lockRenewalFailed`).
 */
import { describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { endedKey, finishedRuns, runningKey, testEcho, testLocked } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const engine = useEngine();
const { redis, prefix } = engine.redis;

describe('a run whose BullMQ job lock is lost', () => {
  it.each([
    { contract: testLocked, what: 'holding a user lease' },
    { contract: testEcho, what: 'without a user lease' },
  ])('stops, so the job does not run twice ($what)', async ({ contract }) => {
    const key = `lock-lost-${contract.name}`;
    const job = await engine.enqueue(contract, {
      provider: 'prod',
      key,
      userName: 'lola',
      // Within the job's 5 s deadline: only losing the lock can cut the first run short.
      sleepMs: 3_000,
      sleepFirstRunOnly: true,
    });
    await waitFor('the first run to start', async () =>
      (await redis.get(runningKey(prefix, key))) === null ? undefined : true,
    );
    expect(await redis.del(`${engine.keys.bullPrefix}:${contract.queue}:${job.jobId}:lock`)).toBe(
      1,
    );
    expect(await engine.finished(job, 20_000)).toMatchObject({
      state: 'completed',
      result: { run: 2 },
    });
    await waitFor('the first run to end too', async () =>
      (await redis.llen(endedKey(prefix, key))) === 2 ? true : undefined,
    );
    // Only the second run got to the end: the first stopped instead of sleeping on.
    expect(await finishedRuns(redis, prefix, key)).toHaveLength(1);
  });
});

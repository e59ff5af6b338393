/**
 * One provider's throttling does not delay another provider's jobs: a sandbox answering
 * Throttling to everything plays the throttled provider, the selected backend the calm one.
 * The throttled provider's jobs are delayed without burning attempts, and the SDK hands each
 * throttling answer straight back (one attempt per request) instead of sleeping in a slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { throttlesOf, useEngine } from '../support/engine.ts';
import { type IamBackend, startIamBackend, useIamBackend } from '../support/iam-backend.ts';
import { sandboxAdmin } from '../support/sandbox-admin.ts';
import { testEcho } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const backend = useIamBackend();
let hot: IamBackend;
beforeAll(async () => {
  hot = await startIamBackend('sandbox');
  await sandboxAdmin(hot.endpoint ?? '').setFaults({ throttleRate: 1 });
});
afterAll(async () => {
  await hot.stop();
});

const engine = useEngine({
  env: { IAM_PAM_CONCURRENCY: '2', IAM_PAM_DEFAULT_MAX_RPS: '50' },
});
beforeAll(async () => {
  for (const [id, target] of [
    ['hot', hot],
    ['calm', backend.current],
  ] as const) {
    await engine.addProvider(id, {
      endpoint: target.endpoint,
      region: target.region,
      credentials: target.credentials,
    });
  }
});

describe(`throttling (calm provider on ${process.env.IAM_TEST_BACKEND})`, () => {
  it('delays the throttled provider’s jobs only, without burning attempts', async () => {
    const hotJobs: EnqueuedJob[] = [];
    for (let i = 0; i < 8; i += 1) {
      hotJobs.push(
        await engine.enqueue(testEcho, { provider: 'hot', key: `hot-${i}`, iamCalls: 1 }),
      );
    }
    // The throttled provider's jobs take the worker's slots and are throttled first.
    await waitFor('a throttled job', async () =>
      (await throttlesOf(engine, 'hot')) > 0 ? true : undefined,
    );
    const calmJobs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        engine.enqueue(testEcho, { provider: 'calm', key: `calm-${i}`, iamCalls: 1 }),
      ),
    );
    for (const job of calmJobs) {
      expect(await engine.finished(job)).toMatchObject({ state: 'completed' });
    }
    // No stopwatch (a busy machine would fail it): the calm jobs completed while every
    // throttled job is still pending with no attempt burnt, and no throttling answer was
    // retried inside a worker slot (below).
    for (const job of hotJobs) {
      const bull = await engine.queues.get('validate').getJob(job.jobId);
      expect(['delayed', 'waiting', 'active']).toContain(await bull?.getState());
      expect(bull?.attemptsMade).toBe(0);
    }
    const throttled = (await sandboxAdmin(hot.endpoint ?? '').requests()).filter(
      (entry) => entry.code === 'Throttling',
    );
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.every((entry) => (entry.attempt ?? 1) === 1)).toBe(true);

    await sandboxAdmin(hot.endpoint ?? '').setFaults({});
    for (const job of hotJobs) {
      expect(await engine.finished(job, 20_000)).toMatchObject({
        state: 'completed',
        attemptsMade: 1,
      });
    }
  });
});

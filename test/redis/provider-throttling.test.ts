/**
 * One provider's throttling slows that provider only: its jobs are delayed (no attempt burnt),
 * while another provider's jobs on the same queue and the same worker slots go straight through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { throttlesOf, useEngine } from '../support/engine.ts';
import { type IamStub, startIamStub } from '../support/iam-stub.ts';
import { testEcho } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const stubs: Record<string, IamStub> = {};

beforeAll(async () => {
  stubs.throttled = await startIamStub();
  stubs.calm = await startIamStub();
  stubs.throttled.throttle = true;
});

afterAll(async () => {
  await Promise.all(Object.values(stubs).map((stub) => stub.close()));
});

const engine = useEngine({
  // Two slots: if throttled jobs held them, the calm provider's jobs would wait.
  env: { IAM_PAM_CONCURRENCY: '2', IAM_PAM_DEFAULT_MAX_RPS: '50' },
});
beforeAll(async () => {
  for (const id of ['throttled', 'calm']) {
    await engine.addProvider(id, {
      endpoint: stubs[id]?.endpoint,
      credentials: { accessKeyId: 'AKIASTUB0000000001', secretAccessKey: 'stub-secret-not-real' },
    });
  }
});

describe('throttling', () => {
  it("delays the throttled provider's jobs only, without burning their attempts", async () => {
    const throttledJobs: EnqueuedJob[] = [];
    for (let i = 0; i < 8; i += 1) {
      throttledJobs.push(
        await engine.enqueue(testEcho, { provider: 'throttled', key: `t-${i}`, iamCalls: 1 }),
      );
    }
    // The throttled provider's jobs take the worker's slots and are throttled first.
    await waitFor('a throttled job', async () =>
      (await throttlesOf(engine, 'throttled')) > 0 ? true : undefined,
    );
    const calmJobs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        engine.enqueue(testEcho, { provider: 'calm', key: `c-${i}`, iamCalls: 1 }),
      ),
    );
    for (const job of calmJobs) {
      expect(await engine.finished(job)).toMatchObject({ state: 'completed' });
    }
    // No stopwatch (a busy machine would fail it): the calm jobs completed while every
    // throttled job is still pending with no attempt burnt, and the calm provider was never
    // throttled (below).
    const waiting = await Promise.all(
      throttledJobs.map((job) => engine.queues.get('validate').getJob(job.jobId)),
    );
    for (const job of waiting) {
      expect(['delayed', 'waiting', 'active']).toContain(await job?.getState());
      expect(job?.attemptsMade).toBe(0);
    }
    const metrics = await engine
      .runtime()
      .metrics.registry.getSingleMetricAsString('iam_pam_throttles_total');
    expect(metrics).toMatch(
      /iam_pam_throttles_total\{provider="throttled",queue="validate"\} [1-9]/,
    );
    expect(metrics).not.toMatch(/provider="calm"/);

    // The provider recovers: its delayed jobs complete, none of them failed.
    stubs.throttled!.throttle = false;
    for (const job of throttledJobs) {
      expect(await engine.finished(job, 20_000)).toMatchObject({
        state: 'completed',
        attemptsMade: 1,
      });
    }
  });
});

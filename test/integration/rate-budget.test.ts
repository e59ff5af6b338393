/**
 * A provider's rate budget holds across 4 worker processes, counted by the IAM backend itself
 * (the sandbox's request log): over any 5-second window, no more than 5% above the budget,
 * also when a burst follows an idle spell.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { sleep } from '../../src/sleep.ts';
import { useEngine } from '../support/engine.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';
import { busiestWindow } from '../support/busiest-window.ts';
import { sandboxAdmin } from '../support/sandbox-admin.ts';
import { testEcho } from '../support/test-jobs.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

const backend = useIamBackend();
const engine = useEngine({ noWorker: true });
const workers: WorkerProcess[] = [];
afterAll(() => {
  for (const worker of workers) {
    worker.child.kill('SIGKILL');
  }
});

const RPS = 40;
const CALLS_PER_JOB = 5;
const unsupported = unsupportedOn({
  moto: 'moto keeps no request log to count the calls it received',
  aws: 'AWS keeps no request log we could read back, and the test would spend the account’s API quota',
});

async function run(jobs: number, tag: string): Promise<Array<{ pid: number }>> {
  const enqueued: EnqueuedJob[] = [];
  for (let i = 0; i < jobs; i += 1) {
    enqueued.push(
      await engine.enqueue(testEcho, {
        provider: 'shared',
        key: `${tag}-${i}`,
        iamCalls: CALLS_PER_JOB,
      }),
    );
  }
  const results: Array<{ pid: number }> = [];
  for (const job of enqueued) {
    const status = await engine.finished(job, 30_000);
    expect(status.state).toBe('completed');
    const result: unknown = status.result;
    results.push(result as { pid: number });
  }
  return results;
}

describe('the rate budget', () => {
  it.skipIf(unsupported.skip)(
    `holds across 4 worker processes, after an idle spell too${unsupported.label}`,
    async () => {
      const { endpoint, credentials, region } = backend.current;
      const admin = sandboxAdmin(endpoint ?? '');
      // The workers reach it with their environment's AWS settings.
      await engine.addProvider('shared', { endpoint: undefined, credentials: 'chain' });
      // Each is kept as soon as it is up, so afterAll stops it even when another never comes up.
      await Promise.all(
        [1, 2, 3, 4].map(async () => {
          const worker = await startWorkerProcess(
            {
              ...engine.redis.env,
              AWS_ENDPOINT_URL: endpoint ?? '',
              AWS_REGION: region,
              AWS_ACCESS_KEY_ID: credentials.accessKeyId,
              AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
              IAM_PAM_DEFAULT_MAX_RPS: String(RPS),
              IAM_PAM_CONCURRENCY: '4',
              IAM_PAM_WORKER_HTTP_PORT: '0',
            },
            ['--queues', 'validate'],
          );
          workers.push(worker);
        }),
      );
      const since = await admin.lastSeq();
      // About 6 s of steady demand well above the budget, an idle spell, then a burst.
      const steady = await run(48, 'steady');
      // The idle spell is what is tested: the budget must not save it up for the burst.
      await sleep(2_000);
      const burst = await run(24, 'burst');

      const calls = (await admin.requests(since)).filter(
        (entry) => entry.accessKeyId === credentials.accessKeyId && entry.action === 'GetUser',
      );
      expect(calls).toHaveLength((48 + 24) * CALLS_PER_JOB);
      const times = calls.map((entry) => Date.parse(entry.at));
      expect(busiestWindow(times, 5_000)).toBeLessThanOrEqual(Math.floor(5 * RPS * 1.05));
      // The budget is used, not just respected: the steady phase ran near it.
      expect(busiestWindow(times, 5_000)).toBeGreaterThan(5 * RPS * 0.8);
      expect(new Set([...steady, ...burst].map((result) => result.pid)).size).toBe(4);
    },
    150_000,
  );
});

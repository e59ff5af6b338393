/**
 * A worker whose link to Redis goes silent (no reset, no answer) stops its run before Redis
 * lets the user's lease go: the lease's own deadline, on the worker's clock, aborts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWorkerRuntime, type WorkerRuntime } from '../../src/app/worker-runtime.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { JobContext, UserLease } from '../../src/jobs/define-job.ts';
import { bindHandlers } from '../../src/workers/bind-handlers.ts';
import { useEngine } from '../support/engine.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { testLocked } from '../support/test-jobs.ts';

// The producer reaches Redis directly; the worker runtime only through the proxy.
const engine = useEngine({ noWorker: true });
const { redis } = engine.redis;
const TTL_MS = 3_000;

interface Aborted {
  reason: unknown;
  /** Read on a direct connection right after the abort. */
  leaseInRedis: string | null;
  pttl: number;
}

let proxy: TcpProxy;
let runtime: WorkerRuntime | undefined;
let started: (lease: UserLease) => void;
const running = new Promise<UserLease>((resolve) => (started = resolve));
let stopped: (aborted: Aborted) => void;
const aborted = new Promise<Aborted>((resolve) => (stopped = resolve));

/** Runs until its signal aborts, then looks at the lease in Redis at once. */
async function waitForAbort(_payload: unknown, ctx: JobContext): Promise<void> {
  const lease = ctx.lease as UserLease;
  started(lease);
  await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  const key = engine.keys.userLease(lease.user.provider, lease.user.userName);
  const [leaseInRedis, pttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
  stopped({ reason: ctx.signal.reason, leaseInRedis, pttl });
  throw ctx.signal.reason;
}

beforeAll(async () => {
  proxy = await startTcpProxy(engine.redis.url);
  const config = loadConfig({
    ...engine.redis.env,
    REDIS_URL: proxy.url,
    IAM_PAM_JOB_LOCK_MS: String(TTL_MS),
    IAM_PAM_WORKER_HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  runtime = await startWorkerRuntime({
    config,
    log: engine.log,
    queues: ['rotation'],
    createJobs: () => bindHandlers([testLocked], { 'test-locked': waitForAbort }),
  });
});

afterAll(async () => {
  proxy.resume();
  await runtime?.close(5_000);
  await proxy.close();
});

describe('a silenced link to Redis', () => {
  it('aborts the run on the lease deadline, while Redis still holds the lease', async () => {
    await engine.enqueue(testLocked, { provider: 'prod', key: 'silenced', userName: 'sam' });
    const lease = await running;
    proxy.silence();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      aborted,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`the run was still going ${4 * TTL_MS} ms after the link went silent`),
            ),
          4 * TTL_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    expect(outcome.reason).toMatchObject({
      code: 'lease_lost',
      message: expect.stringContaining('could not be renewed in time'),
    });
    // Nobody else could have taken the user yet: Redis still holds this run's lease.
    expect(outcome.leaseInRedis).toBe(lease.value);
    expect(outcome.pttl).toBeGreaterThan(0);
    expect(lease.remainingMs()).toBeLessThanOrEqual(0);
    expect(() => lease.assertTimeLeft(0)).toThrow(/no longer held/);
  });
});

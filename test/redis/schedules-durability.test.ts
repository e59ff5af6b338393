/**
 * Schedules live in Redis, not in a process: on a private `redis-server --appendonly yes`, a
 * provider's heartbeat scheduler written by a process that is gone survives the server being
 * killed and restarted, keeps firing in a worker that never wrote it, goes on after a second
 * restart under that worker, follows a changed period at once (no api running), and is gone
 * with its provider. A policy minute lasts 300 ms here, so the sweeps fire within the test.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/app/worker-runtime.ts';
import { type AppConfig, loadConfig } from '../../src/config/load-config.ts';
import { createDomain } from '../../src/domain.ts';
import { createKeys } from '../../src/keys.ts';
import { createQueues, type QueueSet } from '../../src/producers/create-queues.ts';
import { createLogSink } from '../support/log-sink.ts';
import { hasRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

const UNITS = { minuteMs: 300 };
const SCHEDULER = 'durable:heartbeat-sweep';
const available = hasRedisServer();

let server: RedisServer;
let config: AppConfig;
let observer: Redis;
let queues: QueueSet;
let worker: WorkerRuntime | undefined;
const sink = createLogSink();

beforeAll(async () => {
  if (!available) {
    return;
  }
  server = await startRedisServer({ appendOnly: true });
  config = loadConfig({
    REDIS_URL: server.url,
    IAM_PAM_PREFIX: 'durable-schedules',
    IAM_PAM_JOB_LOCK_MS: '2000',
    IAM_PAM_WORKER_HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  // The test's own eyes on Redis; it reconnects by itself across the restarts.
  observer = new Redis(server.url, { maxRetriesPerRequest: null });
  observer.on('error', () => undefined);
  queues = createQueues(observer, createKeys(config.redis.prefix));
});
afterAll(async () => {
  await worker?.close(2_000);
  await queues?.close();
  observer?.disconnect();
  server?.stop();
});

/** A process that writes the policy and is gone afterwards: its own connection, closed. */
async function asAnotherProcess(body: (domain: ReturnType<typeof createDomain>) => Promise<void>) {
  const connection = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const domain = createDomain({ config, redis: connection, scheduleUnits: UNITS });
  try {
    await body(domain);
  } finally {
    domain.close();
    await connection.quit();
  }
}

/** Sweeps of the provider finished after `since` (ms since the epoch). */
async function sweepsFinishedAfter(since: number): Promise<number> {
  const completed = await queues.get('heartbeat').getCompleted(0, -1);
  return completed.filter((job) => job.name === 'heartbeat-sweep' && (job.finishedOn ?? 0) > since)
    .length;
}

const waitForSweeps = (count: number, since: number) =>
  waitFor(
    `${count} heartbeat sweeps after ${new Date(since).toISOString()}`,
    async () => ((await sweepsFinishedAfter(since)) >= count ? true : undefined),
    { timeoutMs: 20_000, intervalMs: 100 },
  );

/** The scheduler and the runs it holds (delayed or waiting ticks). */
async function schedulerState() {
  const heartbeat = queues.get('heartbeat');
  const scheduler = await heartbeat.getJobScheduler(SCHEDULER);
  const armed = (await heartbeat.getJobs(['delayed', 'waiting'])).filter(
    (job) => job.name === 'schedule-tick',
  );
  return { scheduler, armed: armed.map((job) => job.timestamp + (job.opts.delay ?? 0)) };
}

describe.skipIf(!available)('a provider’s schedules across failures (AOF Redis)', () => {
  it('survive a restart and the processes that wrote them, keep firing, follow a changed period, and go with the provider', async () => {
    await asAnotherProcess(async (domain) => {
      await domain.providers.put(
        'durable',
        {
          credential: { type: 'chain' },
          policy: { heartbeatEveryMinutes: 1, discoverEveryHours: null, rotateEveryDays: null },
        },
        'cli:test',
      );
    });
    const written = await queues.get('heartbeat').getJobScheduler(SCHEDULER);
    expect(written).toMatchObject({ every: 300 });

    // Killed like a crashed or failed-over server, and started again on its AOF.
    await server.restart();
    await waitFor('the restarted server', async () =>
      observer.status === 'ready' && (await observer.ping()) === 'PONG' ? true : undefined,
    );
    const restored = await queues.get('heartbeat').getJobScheduler(SCHEDULER);
    expect(restored).toMatchObject({ every: 300, next: written?.next });

    // A worker that never wrote it: its start-up reconcile finds nothing to change.
    const startedAt = Date.now();
    worker = await startWorkerRuntime({
      config,
      log: sink.log,
      scheduleUnits: UNITS,
      createJobs: createProductionJobs,
    });
    expect(sink.lines().find((line) => line.msg.startsWith('schedules reconciled'))).toMatchObject({
      upserted: [],
      removed: [],
      unchanged: 3,
    });
    await waitForSweeps(3, startedAt);

    // Killed again under the running worker: the schedule goes on once it reconnects.
    await server.restart();
    const backAt = Date.now();
    await waitForSweeps(2, backAt);

    // A changed period, written by a process with no api running, holds at once: the run
    // planned 300 ms ahead is replaced by one a new period (60 s) from the change.
    const changedAt = Date.now();
    await asAnotherProcess((domain) =>
      domain.providers
        .updatePolicy('durable', { heartbeatEveryMinutes: 200 }, 'cli:test')
        .then(() => undefined),
    );
    const slowed = await schedulerState();
    expect(slowed.scheduler?.every).toBe(60_000);
    expect(slowed.armed).toHaveLength(1);
    expect(slowed.armed[0]).toBeGreaterThanOrEqual(changedAt + 60_000);
    // And back: sweeps resume at the short period.
    const quickAgainAt = Date.now();
    await asAnotherProcess((domain) =>
      domain.providers
        .updatePolicy('durable', { heartbeatEveryMinutes: 1 }, 'cli:test')
        .then(() => undefined),
    );
    await waitForSweeps(2, quickAgainAt);

    await asAnotherProcess((domain) => domain.providers.remove('durable', 'cli:test'));
    expect(await schedulerState()).toEqual({ scheduler: undefined, armed: [] });
  });
});

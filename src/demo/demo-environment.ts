/**
 * Everything the demo runs on, started together and stopped together: the chosen Redis (its
 * keys under the demo's own prefix), the IAM sandbox with seeded users, the API with the
 * dashboard, the domain services and queues the steps use, and worker processes. `close()`
 * stops the workers first (nothing writes after them), then deletes every key of the prefix.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';

import { type ApiRuntime, startApiRuntime } from '../app/api-runtime.ts';
import {
  createDeadLetterOf,
  createQueueServices,
  type QueueServices,
} from '../app/queue-services.ts';
import type { Env, SelfCommand } from '../cli/cli-context.ts';
import type { AppConfig } from '../config/load-config.ts';
import { closeWithin } from '../close-within.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import { createDomain, type Domain } from '../domain.ts';
import type { EnqueuedJob, JobContract } from '../jobs/define-job.ts';
import { jobContracts } from '../jobs/registry.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { JobStatus } from '../producers/job-status.ts';
import { waitForJob } from '../producers/wait-for-job.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createRedisConnection, type RedisConnection } from '../queue/redis-connections.ts';
import { createSandbox, type Sandbox } from '../sandbox/create-sandbox.ts';
import type { DemoRedis } from './choose-redis.ts';
import { deletePrefix, keepAlive, removeAbandoned } from './demo-prefixes.ts';
import { demoSettings, type DemoSettings } from './demo-settings.ts';
import { type DemoWorker, startDemoWorker } from './worker-processes.ts';

/** Seeded IAM users: enough for a discovery that takes a few seconds at the demo's budget. */
const SEEDED_USERS = 200;
/** ListUsers answers at most this many users a page. */
export const LISTING_PAGE_ITEMS = 25;
/** The API's port when free; otherwise one the OS picks. */
const PREFERRED_HTTP_PORT = 8080;
const WORKER_READY_TIMEOUT_MS = 60_000;

export interface RanJob {
  jobId: string;
  status: JobStatus;
  ms: number;
}

export interface DemoEnvironment {
  settings: DemoSettings;
  redis: DemoRedis;
  sandbox: Sandbox;
  api: ApiRuntime;
  domain: Domain;
  services: QueueServices;
  deadLetter: DeadLetter;
  /** Prefixes of earlier demos that were killed, whose keys it deleted at start. */
  abandoned: string[];
  /** Worker processes started so far, killed or not. */
  workers: DemoWorker[];
  /** A new worker process; `env` adds to its environment (e.g. `IAM_PAM_FAILPOINTS`). */
  startWorker(env?: Record<string, string>): DemoWorker;
  /** Enqueues a job and waits until it completes or fails (at most `timeoutMs`). */
  runJob<C extends JobContract>(
    contract: C,
    payload: z.input<C['payload']>,
    timeoutMs?: number,
  ): Promise<RanJob>;
  /** Waits for a job enqueued by other means. */
  waitFor(job: EnqueuedJob, timeoutMs?: number): Promise<JobStatus>;
  /** Stops everything; returns how many keys of the prefix it deleted. */
  close(): Promise<number>;
}

/** On the preferred port when it is free, else on one the OS picks. */
async function startApi(config: AppConfig, log: Logger): Promise<ApiRuntime> {
  try {
    return await startApiRuntime({ config, log });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw err;
    }
    return startApiRuntime({ config: { ...config, http: { ...config.http, port: 0 } }, log });
  }
}

export async function startDemoEnvironment(options: {
  env: Env;
  self: SelfCommand;
  redis: DemoRedis;
}): Promise<DemoEnvironment> {
  const settings = demoSettings({
    env: options.env,
    redisUrl: options.redis.url,
    httpPort: PREFERRED_HTTP_PORT,
  });
  const { config } = settings;
  const log: Logger = createLogger({ ...config.log, stream: 'stderr', service: 'demo' });
  const connection: RedisConnection = createRedisConnection(config.redis, 'producer', log);
  const redis = connection as Redis;
  const workers: DemoWorker[] = [];
  // What was started, stopped in reverse; the workers go first, the keys last.
  const started: Array<() => Promise<unknown>> = [];
  let checked = false;
  const closeAll = async (): Promise<number> => {
    await Promise.all(workers.map((worker) => worker.stop(10_000)));
    for (const stop of started.splice(0).reverse()) {
      await stop().catch(() => undefined);
    }
    // A fresh connection deletes the keys: a step still running fails on the closed one
    // rather than write again after them.
    connection.disconnect();
    if (!checked) {
      return 0;
    }
    const cleaner = createRedisConnection(config.redis, 'producer', log);
    try {
      await checkRedis(cleaner, config.redis);
      return await deletePrefix(cleaner as Redis, settings.prefix);
    } finally {
      cleaner.disconnect();
    }
  };
  const startWorker = (env: Record<string, string> = {}) => {
    const worker = startDemoWorker(
      options.self,
      { ...settings.workerEnv, ...env },
      `worker ${workers.length + 1}`,
      WORKER_READY_TIMEOUT_MS,
    );
    workers.push(worker);
    return worker;
  };
  try {
    // Refuses, in one line, a Redis that does not answer or may evict (exit 3).
    await checkRedis(connection, config.redis);
    checked = true;
    const stopKeepingAlive = await keepAlive(redis, settings.prefix);
    started.push(async () => stopKeepingAlive());
    const abandoned = await removeAbandoned(redis);
    const sandbox = await createSandbox({ seedUsers: SEEDED_USERS, seed: 'demo' });
    started.push(() => sandbox.close());
    // Short pages, so that a listing takes several (and a resumed one skips those it has).
    sandbox.faults.set({ maxPageItems: LISTING_PAGE_ITEMS });
    const domain = createDomain({ config, redis });
    started.push(async () => domain.close());
    await domain.unlockVault();
    const services = createQueueServices({ redis: connection, config });
    started.push(() => services.close());
    const deadLetter = createDeadLetterOf(services, { contracts: jobContracts, log });
    const api = await startApi(config, log);
    started.push(() => closeWithin(api.close(), 5_000));
    // Last: on a busy machine its start (a whole process) would delay everything above, and
    // the first step has work to do before it needs a worker.
    startWorker();

    const waitFor: DemoEnvironment['waitFor'] = (job, timeoutMs = 60_000) =>
      waitForJob(
        {
          queues: services.queues,
          keys: services.keys,
          connect: () => createRedisConnection(config.redis, 'worker', log),
        },
        job,
        { timeoutMs },
      );
    return {
      settings,
      redis: options.redis,
      sandbox,
      api,
      domain,
      services,
      deadLetter,
      workers,
      abandoned,
      startWorker,
      async runJob(contract, payload, timeoutMs) {
        const began = performance.now();
        const job = await services.enqueue(contract, payload);
        const status = await waitFor(job, timeoutMs);
        return { jobId: job.jobId, status, ms: performance.now() - began };
      },
      waitFor,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

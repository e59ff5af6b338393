/**
 * The engine in this test process, on the file's Redis prefix: a worker runtime running the
 * test job types, and a producer (enqueue, queues) like an upstream system's.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll } from 'vitest';

import type { CreateJobs } from '../../src/app/engine-deps.ts';
import {
  startWorkerRuntime,
  type WorkerRuntime,
  type WorkerRuntimeOptions,
} from '../../src/app/worker-runtime.ts';
import { type AppConfig, loadConfig } from '../../src/config/load-config.ts';
import { createDomain } from '../../src/domain.ts';
import type { EnqueuedJob, EnqueueJob } from '../../src/jobs/define-job.ts';
import { createKeys, type Keys } from '../../src/keys.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createEnqueue } from '../../src/producers/create-enqueue.ts';
import { createQueues, type QueueSet } from '../../src/producers/create-queues.ts';
import type { JobStatus } from '../../src/producers/job-status.ts';
import { waitForJob } from '../../src/producers/wait-for-job.ts';
import { createEventLog, type EventLog } from '../../src/queue/event-log.ts';
import { createIdempotencyStore } from '../../src/queue/idempotency-store.ts';
import { createRedisConnection, type RedisConnection } from '../../src/queue/redis-connections.ts';
import { type TestRedis, useTestRedis } from './redis.ts';
import { createTestJobs } from './test-jobs.ts';

export interface TestEngine {
  redis: TestRedis;
  config: AppConfig;
  keys: Keys;
  log: Logger;
  producer: RedisConnection;
  queues: QueueSet;
  enqueue: EnqueueJob;
  events: EventLog;
  runtime(): WorkerRuntime;
  /**
   * Registers provider `id` in the store, reached at `endpoint` with its credential: how
   * the engine's runs reach IAM (the production wiring; there is no other path).
   */
  addProvider(id: string, target: ProviderTarget): Promise<void>;
  /** Waits until the job completed or failed, and returns its status. */
  finished(job: EnqueuedJob, timeoutMs?: number): Promise<JobStatus>;
}

export interface ProviderTarget {
  endpoint: string | undefined;
  region?: string;
  /** `chain`: the SDK's default chain where the worker runs (a child process's AWS_* env). */
  credentials: { accessKeyId: string; secretAccessKey: string } | 'chain';
}

export interface EngineOptions {
  env?: Record<string, string>;
  createJobs?: CreateJobs;
  runtime?: Partial<Pick<WorkerRuntimeOptions, 'budgetOf' | 'queues' | 'reconcileEveryMs'>>;
  /** Start no worker (producer side only). */
  noWorker?: boolean;
  /** Where the engine logs (default: silent, or TEST_LOG_LEVEL on stderr). */
  log?: Logger;
}

export function useEngine(options: EngineOptions = {}): TestEngine {
  const t = useTestRedis();
  const config = loadConfig({
    ...t.env,
    IAM_PAM_JOB_LOCK_MS: '2000',
    IAM_PAM_WORKER_HTTP_PORT: '0',
    IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const log =
    options.log ?? createLogger({ level: config.log.level, stream: 'stderr', service: 'test' });
  const keys = createKeys(t.prefix);
  const producer = createRedisConnection(config.redis, 'producer', log);
  const queues = createQueues(producer, keys);
  const enqueue = createEnqueue({
    queues,
    idempotency: createIdempotencyStore({ redis: producer, keys }),
    backoffOverride: { type: 'fixed', delay: 20 },
  });
  let runtime: WorkerRuntime | undefined;
  beforeAll(async () => {
    if (options.noWorker !== true) {
      runtime = await startWorkerRuntime({
        config,
        log,
        createJobs: options.createJobs ?? createTestJobs,
        backoffOverride: { type: 'fixed', delay: 20 },
        reconcileEveryMs: 500,
        ...options.runtime,
      });
    }
  });
  afterAll(async () => {
    await runtime?.close(5_000);
    await queues.close();
    producer.disconnect();
  });
  return {
    redis: t,
    config,
    keys,
    log,
    producer,
    queues,
    enqueue,
    events: createEventLog({ redis: producer, keys }),
    runtime() {
      if (runtime === undefined) {
        throw new Error('no worker runtime in this file');
      }
      return runtime;
    },
    async addProvider(id, target) {
      const domain = createDomain({ config, redis: t.redis });
      await domain.providers.put(
        id,
        {
          region: target.region ?? 'us-east-1',
          credential:
            target.credentials === 'chain'
              ? { type: 'chain' as const }
              : {
                  type: 'custom' as const,
                  accessKeyId: target.credentials.accessKeyId,
                  secretAccessKey: target.credentials.secretAccessKey,
                },
          ...(target.endpoint === undefined
            ? {}
            : { endpoints: { iam: target.endpoint, sts: target.endpoint } }),
        },
        'test',
      );
      domain.close();
    },
    finished: (job, timeoutMs = 10_000) =>
      waitForJob(
        { queues, keys, connect: () => createRedisConnection(config.redis, 'worker', log) },
        job,
        { timeoutMs },
      ),
  };
}

/** How many times this file's worker delayed a job of `provider` for throttling. */
export async function throttlesOf(engine: TestEngine, provider: string): Promise<number> {
  const { values } = await engine.runtime().metrics.throttles.get();
  return values
    .filter((value) => value.labels.provider === provider)
    .reduce((sum, value) => sum + value.value, 0);
}

/**
 * The Redis-side services the api, the workers and the operator's commands all build the same
 * way on one fail-fast connection: keys, queues, the typed enqueue (with Idempotency-Key
 * support), events, job states, and the dead-letter over the contracts the process knows.
 * The dead-letter comes second because a worker knows its contracts only once its job setup
 * (which needs the enqueue and the events) has run.
 */
import { closeWithin } from '../close-within.ts';
import type { AppConfig } from '../config/load-config.ts';
import { createDeadLetter, type DeadLetter } from '../dead-letter/dead-letter.ts';
import type { EnqueueBulk, EnqueueJob, JobContract, RetryPolicy } from '../jobs/define-job.ts';
import { createKeys, type Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { createEnqueue } from '../producers/create-enqueue.ts';
import { createQueues, type QueueSet } from '../producers/create-queues.ts';
import { createEnqueueBulk } from '../producers/enqueue-bulk.ts';
import { RETENTION } from '../producers/retention.ts';
import { createEventLog, type EventLog } from '../queue/event-log.ts';
import { createIdempotencyStore } from '../queue/idempotency-store.ts';
import { createJobStateStore, type JobStateStore } from '../queue/job-state-store.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { indexByJobName } from '../workers/bind-handlers.ts';

export interface QueueServices {
  redis: RedisConnection;
  keys: Keys;
  queues: QueueSet;
  enqueue: EnqueueJob;
  /** Many jobs of one kind in one round trip (a sweep's heartbeats). */
  enqueueBulk: EnqueueBulk;
  events: EventLog;
  jobStates: JobStateStore;
  /** Closes the queues, for at most a second (Redis may be gone). */
  close(): Promise<void>;
}

export function createQueueServices(options: {
  redis: RedisConnection;
  config: AppConfig;
  /** Tests shrink retry delays of follow-up jobs and replays. */
  backoffOverride?: RetryPolicy['backoff'];
}): QueueServices {
  const { redis, backoffOverride } = options;
  const keys = createKeys(options.config.redis.prefix);
  const queues = createQueues(redis, keys);
  return {
    redis,
    keys,
    queues,
    enqueue: createEnqueue({
      queues,
      idempotency: createIdempotencyStore({ redis, keys }),
      backoffOverride,
    }),
    enqueueBulk: createEnqueueBulk({ queues, backoffOverride }),
    events: createEventLog({ redis, keys }),
    // Kept as long as the failed jobs they belong to.
    jobStates: createJobStateStore({ redis, keys, ttlMs: RETENTION.failed.age * 1000 }),
    async close() {
      await closeWithin(queues.close(), 1_000);
    },
  };
}

/** The dead-letter; refuses contracts that declare one job name twice (replay dispatches by name). */
export function createDeadLetterOf(
  services: QueueServices,
  options: { contracts: readonly JobContract[]; log: Logger; metrics?: EngineMetrics },
): DeadLetter {
  indexByJobName(options.contracts, (contract) => contract);
  return createDeadLetter({
    queues: services.queues,
    redis: services.redis,
    keys: services.keys,
    events: services.events,
    jobStates: services.jobStates,
    enqueue: services.enqueue,
    contracts: options.contracts,
    failedRetentionS: RETENTION.failed.age,
    log: options.log,
    metrics: options.metrics,
  });
}

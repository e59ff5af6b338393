/**
 * What the operator's commands need to enqueue and inspect work: a fail-fast Redis connection
 * (checked first: unreachable → exit 3 with what to do), the queues, the typed enqueue, events
 * and the dead-letter. Opened for one command and closed after it.
 */
import type { AppConfig } from '../config/load-config.ts';
import { createDeadLetter, type DeadLetter } from '../dead-letter/dead-letter.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { createKeys, type Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import { createEnqueue, type Enqueue } from '../producers/create-enqueue.ts';
import { createQueues, type QueueSet } from '../producers/create-queues.ts';
import { RETENTION } from '../producers/retention.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createEventLog } from '../queue/event-log.ts';
import { createJobStateStore } from '../queue/job-state-store.ts';
import { createRedisConnection, type RedisConnection } from '../queue/redis-connections.ts';
import { sleep } from '../sleep.ts';

export interface ProducerSession {
  config: AppConfig;
  keys: Keys;
  queues: QueueSet;
  enqueue: Enqueue;
  deadLetter: DeadLetter;
  /** A new patient connection (for waiting on a job's events). */
  connectPatient: () => RedisConnection;
}

export async function withProducerSession<T>(
  config: AppConfig,
  log: Logger,
  contracts: readonly JobContract[],
  body: (session: ProducerSession) => Promise<T>,
): Promise<T> {
  const redis = createRedisConnection(config.redis, 'cli', log);
  try {
    await checkRedis(redis, config.redis);
    const keys = createKeys(config.redis.prefix);
    const queues = createQueues(redis, keys);
    const enqueue = createEnqueue({ queues });
    const events = createEventLog({ redis, keys });
    const deadLetter = createDeadLetter({
      queues,
      redis,
      keys,
      events,
      jobStates: createJobStateStore({ redis, keys, ttlMs: RETENTION.failed.age * 1000 }),
      enqueue,
      contracts,
      failedRetentionS: RETENTION.failed.age,
      log,
    });
    try {
      return await body({
        config,
        keys,
        queues,
        enqueue,
        deadLetter,
        connectPatient: () => createRedisConnection(config.redis, 'worker', log),
      });
    } finally {
      await Promise.race([queues.close(), sleep(1_000)]);
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * What the operator's commands need to enqueue and inspect work: a fail-fast Redis connection
 * (checked first: unreachable → exit 3 with what to do), the queues, the typed enqueue, events
 * and the dead-letter. Opened for one command and closed after it.
 */
import { createDeadLetterOf, createQueueServices } from '../app/queue-services.ts';
import type { AppConfig } from '../config/load-config.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import type { EnqueueJob, JobContract } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import { checkRedis } from '../queue/check-redis.ts';
import type { EventLog } from '../queue/event-log.ts';
import { createRedisConnection, type RedisConnection } from '../queue/redis-connections.ts';

export interface ProducerSession {
  config: AppConfig;
  keys: Keys;
  queues: QueueSet;
  enqueue: EnqueueJob;
  deadLetter: DeadLetter;
  events: EventLog;
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
    const services = createQueueServices({ redis, config });
    const deadLetter = createDeadLetterOf(services, { contracts, log });
    try {
      return await body({
        config,
        keys: services.keys,
        queues: services.queues,
        enqueue: services.enqueue,
        deadLetter,
        events: services.events,
        connectPatient: () => createRedisConnection(config.redis, 'worker', log),
      });
    } finally {
      await services.close();
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * The typed producer for upstream systems that embed iam-pam as a library: validated enqueue
 * with deduplication and Idempotency-Key support, job status, the job schemas.
 *
 *   const producer = await createProducer({ redis: { url, prefix: 'iam-pam' } });
 *   const job = await producer.enqueue(someContract, { provider: 'prod' });
 */
import type { AppConfig } from '../config/load-config.ts';
import type { EnqueueJob } from '../jobs/define-job.ts';
import { jobContracts } from '../jobs/registry.ts';
import { createKeys } from '../keys.ts';
import { createLogger, type Logger } from '../logger.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createIdempotencyStore } from '../queue/idempotency-store.ts';
import { createRedisConnection } from '../queue/redis-connections.ts';
import { closeWithin } from '../close-within.ts';
import { createEnqueue } from './create-enqueue.ts';
import { createQueues } from './create-queues.ts';
import { type JobSchema, jobSchemas } from './job-schemas.ts';
import { getJobStatus, type JobStatus } from './job-status.ts';

export interface ProducerOptions {
  redis: Pick<AppConfig['redis'], 'url' | 'prefix'> & Partial<AppConfig['redis']>;
  log?: Logger;
}

export interface Producer {
  enqueue: EnqueueJob;
  status(queue: string, jobId: string): Promise<JobStatus | undefined>;
  schemas(): JobSchema[];
  close(): Promise<void>;
}

export async function createProducer(options: ProducerOptions): Promise<Producer> {
  const redisConfig = { cluster: undefined, sentinel: undefined, ...options.redis };
  const log = options.log ?? createLogger({ level: 'warn', stream: 'stderr', service: 'producer' });
  const redis = createRedisConnection(redisConfig, 'producer', log);
  try {
    await checkRedis(redis, redisConfig);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const keys = createKeys(redisConfig.prefix);
  const queues = createQueues(redis, keys);
  return {
    enqueue: createEnqueue({ queues, idempotency: createIdempotencyStore({ redis, keys }) }),
    status: (queue, jobId) => getJobStatus(queues, queue, jobId),
    schemas: () => jobSchemas(jobContracts),
    async close() {
      await closeWithin(queues.close(), 1_000);
      redis.disconnect();
    },
  };
}

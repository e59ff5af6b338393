/**
 * Fails a job for good on a queue no engine worker serves, with a bare BullMQ worker (so no
 * dead-letter listener sees it, as when a worker dies between "failed" and "dead-lettered").
 * Returns the failed job; `failAgain` retries it (as the dashboard's "retry" does) and fails
 * it once more.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';

import type { WorkQueueName } from '../../src/jobs/queues.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import type { TestEngine } from './engine.ts';
import { waitFor } from './wait-for.ts';

export async function failJob(
  engine: TestEngine,
  queue: WorkQueueName,
  name: string,
  data: object,
  failedReason: string,
  options: { jobId?: string } = {},
): Promise<Job> {
  const added = await engine.queues.get(queue).add(name, data, options);
  return failUntilFinished(engine, queue, added.id ?? '', failedReason);
}

export async function failAgain(engine: TestEngine, job: Job, failedReason: string): Promise<Job> {
  const queue = job.queueName as WorkQueueName;
  await job.retry('failed');
  return failUntilFinished(engine, queue, job.id ?? '', failedReason, job.finishedOn);
}

async function failUntilFinished(
  engine: TestEngine,
  queue: WorkQueueName,
  jobId: string,
  failedReason: string,
  previousFinishedOn?: number,
): Promise<Job> {
  const connection = createRedisConnection(engine.config.redis, 'worker', engine.log);
  const worker = new Worker(
    queue,
    async () => {
      throw new UnrecoverableError(failedReason);
    },
    { connection, prefix: engine.keys.bullPrefix },
  );
  try {
    return await waitFor(`the failure of ${queue}/${jobId}`, async () => {
      const job = (await engine.queues.get(queue).getJob(jobId)) as Job | undefined;
      return job?.finishedOn !== undefined && job.finishedOn !== previousFinishedOn
        ? job
        : undefined;
    });
  } finally {
    await worker.close();
    connection.disconnect();
  }
}

/**
 * A job by id, or undefined when the id names none. BullMQ's `getJob` reads whatever hash has
 * the job's key: the queue's `meta` hash would come back as a job without a name, and a job's
 * sub-key (`5:logs`, a list) as a WRONGTYPE error. Neither is a job.
 */
import type { Job, Queue } from 'bullmq';

export async function findJob<T = unknown>(queue: Queue, id: string): Promise<Job<T> | undefined> {
  let job: Job<T> | undefined;
  try {
    job = (await queue.getJob(id)) as Job<T> | undefined;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
      return undefined;
    }
    throw err;
  }
  const isJob = typeof job?.name === 'string' && Number.isFinite(job.timestamp);
  return isJob ? job : undefined;
}

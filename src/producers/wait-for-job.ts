/**
 * Waits for a job to finish (CLI `--wait`): follows the queue's event stream, reports progress
 * as it comes, and resolves to the final status, completed or failed.
 */
import { QueueEvents } from 'bullmq';

import { PermanentError, TransientError } from '../errors.ts';
import type { EnqueuedJob } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import type { QueueSet } from './create-queues.ts';
import { getJobStatus, type JobStatus } from './job-status.ts';

export interface WaitOptions {
  timeoutMs: number;
  onProgress?: (progress: unknown) => void;
}

export async function waitForJob(
  deps: {
    queues: QueueSet;
    keys: Keys;
    /** A new patient (worker-role) connection for the blocking stream reads; closed after. */
    connect: () => RedisConnection;
  },
  { queue, jobId }: EnqueuedJob,
  options: WaitOptions,
): Promise<JobStatus> {
  const connection = deps.connect();
  const events = new QueueEvents(queue, { connection, prefix: deps.keys.bullPrefix });
  events.on('error', () => undefined);
  try {
    await events.waitUntilReady();
    events.on('progress', ({ jobId: id, data }) => {
      if (id === jobId) {
        options.onProgress?.(data);
      }
    });
    const job = await deps.queues.get(queue).getJob(jobId);
    if (job === undefined) {
      throw new PermanentError('not_found', `job ${queue}/${jobId} does not exist (any more)`);
    }
    // Rejects when the job fails: its status below says how.
    await job.waitUntilFinished(events, options.timeoutMs).catch(() => undefined);
    const status = await getJobStatus(deps.queues, queue, jobId);
    if (status === undefined) {
      throw new PermanentError('not_found', `job ${queue}/${jobId} vanished while waiting`);
    }
    if (status.state !== 'completed' && status.state !== 'failed') {
      throw new TransientError(
        'deadline_exceeded',
        `job ${queue}/${jobId} is still ${status.state} after ${options.timeoutMs} ms; follow it with GET /v1/jobs/${queue}/${jobId}`,
      );
    }
    return status;
  } finally {
    await events.close().catch(() => undefined);
    connection.disconnect();
  }
}

/**
 * What a caller may know about one job: state, progress, result, and for a failed job the
 * snake_case `reason` beside BullMQ's `failedReason` text. Job data and results hold
 * references, ids and verdicts only, never secrets.
 */
import type { Job } from 'bullmq';

import type { QueueName } from '../jobs/queues.ts';
import { reasonOf } from '../queue/failure-reason.ts';
import type { QueueSet } from './create-queues.ts';

export interface JobStatus {
  queue: QueueName;
  jobId: string;
  name: string;
  /** BullMQ's state: waiting, delayed, active, completed, failed, prioritized, … */
  state: string;
  progress: unknown;
  data: unknown;
  /** The handler's result; for a failed job `{reason}`. */
  result?: unknown;
  failedReason?: string;
  reason?: string;
  /** Runs made so far (BullMQ counts the successful one too). */
  attemptsMade: number;
  createdAt: string;
  finishedAt?: string;
}

export async function describeJob(queue: QueueName, job: Job): Promise<JobStatus> {
  const state = await job.getState();
  const reason = state === 'failed' ? reasonOf(job.failedReason) : undefined;
  return {
    queue,
    jobId: job.id ?? '',
    name: job.name,
    state,
    progress: job.progress,
    data: job.data as unknown,
    ...(state === 'completed' ? { result: (job.returnvalue as unknown) ?? {} } : {}),
    ...(state === 'failed' ? { result: { reason }, failedReason: job.failedReason, reason } : {}),
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn === undefined ? {} : { finishedAt: new Date(job.finishedOn).toISOString() }),
  };
}

/** The job's status, or undefined when the queue or the job does not exist (any more). */
export async function getJobStatus(
  queues: QueueSet,
  queueName: string,
  jobId: string,
): Promise<JobStatus | undefined> {
  const queue = queues.find(queueName);
  if (queue === undefined) {
    return undefined;
  }
  const job = (await queue.getJob(jobId)) as Job | undefined;
  return job === undefined ? undefined : describeJob(queue.name as QueueName, job);
}

/**
 * What a caller may know about one job: state, progress, result, and for a failed job the
 * snake_case `reason` beside BullMQ's `failedReason` text. Job data and results hold
 * references, ids and verdicts only, never secrets; the status is scrubbed all the same, since
 * anyone with BullMQ access (an upstream producer, an older worker) may have written them.
 */
import type { Job } from 'bullmq';

import { PermanentError } from '../errors.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { DEAD_LETTER_QUEUE, type QueueName } from '../jobs/queues.ts';
import { scrubSecrets } from '../logger.ts';
import { reasonOf, scrubFailureText } from '../queue/failure-reason.ts';
import type { QueueSet } from './create-queues.ts';
import { findJob } from '../queue/find-job.ts';

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
  const status: JobStatus = {
    queue,
    jobId: job.id ?? '',
    name: job.name,
    state,
    progress: job.progress,
    data: job.data as unknown,
    ...(state === 'completed' ? { result: (job.returnvalue as unknown) ?? {} } : {}),
    ...(state === 'failed'
      ? { result: { reason }, failedReason: scrubFailureText(job.failedReason), reason }
      : {}),
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn === undefined ? {} : { finishedAt: new Date(job.finishedOn).toISOString() }),
  };
  return scrubSecrets(status) as JobStatus;
}

/**
 * Refuses a job no contract here declares on its queue: its status would describe someone
 * else's work. Dead-letter entries keep their original job's name, declared on another queue.
 */
function assertDeclared(contracts: readonly JobContract[], queue: QueueName, job: Job): void {
  const named = contracts.filter((c) => c.name === job.name);
  // `schedule-tick` is declared on three queues: the one of this queue, if any, answers.
  const contract = named.find((c) => c.queue === queue) ?? named[0];
  if (contract !== undefined && (queue === DEAD_LETTER_QUEUE || contract.queue === queue)) {
    return;
  }
  const where = `job ${queue}/${job.id ?? ''} is a "${job.name}" job`;
  throw new PermanentError(
    'unknown_job',
    contract === undefined
      ? `${where}, a name no job type here declares; a newer or foreign producer enqueued it`
      : `${where}, which belongs on queue ${contract.queue}, not ${queue}; a foreign producer enqueued it`,
  );
}

/**
 * The job's status, or undefined when the queue or the job does not exist (any more). With
 * `contracts`, a job none of them declares on that queue throws `unknown_job`.
 */
export async function getJobStatus(
  queues: QueueSet,
  queueName: string,
  jobId: string,
  contracts?: readonly JobContract[],
): Promise<JobStatus | undefined> {
  const queue = queues.find(queueName);
  if (queue === undefined) {
    return undefined;
  }
  const job = await findJob(queue, jobId);
  if (job === undefined) {
    return undefined;
  }
  if (contracts !== undefined) {
    assertDeclared(contracts, queue.name as QueueName, job);
  }
  return describeJob(queue.name as QueueName, job);
}

/**
 * Waits for a job to finish (CLI `--wait`): follows the queue's event stream, reports progress
 * as it comes, and resolves to the final status, completed or failed. It gives up early, rather
 * than at its timeout, when the job is removed (`job_removed`) or Redis stays unreachable (the
 * connection's own error, which callers report as `redis_unavailable`).
 */
import { QueueEvents } from 'bullmq';

import { PermanentError, TransientError } from '../errors.ts';
import type { EnqueuedJob } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { closeWithin } from '../close-within.ts';
import type { QueueSet } from './create-queues.ts';
import { getJobStatus, type JobStatus } from './job-status.ts';

export interface WaitOptions {
  timeoutMs: number;
  onProgress?: (progress: unknown) => void;
  /** How long Redis may stay unreachable before the wait gives up (a restart takes a moment). */
  outageGraceMs?: number;
}

const DEFAULT_OUTAGE_GRACE_MS = 3_000;

/**
 * Rejects with the connection's last error once it has been down for `graceMs` without coming
 * back: the patient connection would otherwise reconnect, and the wait go on, forever.
 */
function whenDownFor(connection: RedisConnection, graceMs: number) {
  let timer: NodeJS.Timeout | undefined;
  let lastError: Error | undefined;
  let fail: (err: Error) => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const onError = (err: Error) => {
    lastError = err;
  };
  const onClose = () => {
    timer ??= setTimeout(() => fail(lastError ?? new Error('Connection is closed.')), graceMs);
  };
  const onReady = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  connection.on('error', onError);
  connection.on('close', onClose);
  connection.on('ready', onReady);
  return {
    promise,
    stop() {
      clearTimeout(timer);
      connection.off('error', onError);
      connection.off('close', onClose);
      connection.off('ready', onReady);
    },
  };
}

function removed(queue: string, jobId: string): PermanentError {
  return new PermanentError(
    'job_removed',
    `job ${queue}/${jobId} was removed before it finished, so how it would have ended is unknown; enqueue it again if it is still needed`,
  );
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
  const outage = whenDownFor(connection, options.outageGraceMs ?? DEFAULT_OUTAGE_GRACE_MS);
  const untilOutage = <T>(promise: Promise<T>) => Promise.race([promise, outage.promise]);
  let opened: QueueEvents | undefined;
  try {
    // Events are followed from the stream's end as it is before the job is looked up, not from
    // wherever the first blocking read starts: a removal in between is not missed.
    const [newest] = await untilOutage(
      connection.xrevrange(deps.queues.get(queue).toKey('events'), '+', '-', 'COUNT', 1),
    );
    const events = new QueueEvents(queue, {
      connection,
      prefix: deps.keys.bullPrefix,
      lastEventId: newest?.[0] ?? '0',
    });
    opened = events;
    events.on('error', () => undefined);
    const removal = new Promise<void>((resolve) => {
      events.on('removed', ({ jobId: id }) => {
        if (id === jobId) {
          resolve();
        }
      });
    });
    await untilOutage(events.waitUntilReady());
    events.on('progress', ({ jobId: id, data }) => {
      if (id === jobId) {
        options.onProgress?.(data);
      }
    });
    const job = await deps.queues.get(queue).getJob(jobId);
    if (job === undefined) {
      throw removed(queue, jobId);
    }
    // Rejects when the job fails: its status below says how.
    const finished = job.waitUntilFinished(events, options.timeoutMs).catch(() => undefined);
    await untilOutage(Promise.race([finished, removal]));
    const status = await getJobStatus(deps.queues, queue, jobId);
    if (status === undefined) {
      throw removed(queue, jobId);
    }
    if (status.state !== 'completed' && status.state !== 'failed') {
      throw new TransientError(
        'deadline_exceeded',
        `job ${queue}/${jobId} is still ${status.state} after ${options.timeoutMs} ms; follow it with GET /v1/jobs/${queue}/${jobId}`,
      );
    }
    return status;
  } finally {
    outage.stop();
    // Disconnecting first ends the reconnect loop of a Redis that went away; `close` may still
    // wait for a connection that never came up, so it gets a moment, not forever.
    connection.disconnect();
    await closeWithin(
      (opened?.close() ?? Promise.resolve()).catch(() => undefined),
      1_000,
    );
  }
}

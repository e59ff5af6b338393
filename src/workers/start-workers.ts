/**
 * One BullMQ Worker per queue served, dispatching by job name. A job's lock lasts
 * IAM_PAM_JOB_LOCK_MS and stalled jobs are looked for every half of it, so a killed worker's
 * job is taken over after about 1.5× the lock. Finished jobs are trimmed by the same
 * retention as the producer's (KeepJobs objects only). Final failures go to the dead-letter
 * at once; a reconciler over the failed sets catches any a crash or the stalled checker left.
 */
import { Worker } from 'bullmq';

import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import type { WorkQueueName } from '../jobs/queues.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import { RETENTION } from '../producers/retention.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import type { JobBinding } from './bind-handlers.ts';
import { createProcessor, type ProcessorDeps } from './create-processor.ts';

/** Deferrals (throttled provider, leased user) a job may go through besides its attempts. */
export const MAX_DEFERRALS = 1_000;

export interface StartWorkersOptions {
  queues: readonly WorkQueueName[];
  bindings: readonly JobBinding[];
  /** A patient connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  keys: Keys;
  log: Logger;
  /** IAM_PAM_CONCURRENCY: jobs per queue in this process, capped by the queue's contracts. */
  concurrency: number;
  /** IAM_PAM_JOB_LOCK_MS. */
  jobLockMs: number;
  processor: Omit<ProcessorDeps, 'queue' | 'bindings' | 'log'>;
  deadLetter: DeadLetter;
  /** How often the failed sets are reconciled with the dead-letter; default 30 s. */
  reconcileEveryMs?: number;
}

export interface RunningWorkers {
  readonly queues: readonly WorkQueueName[];
  /** Stops fetching and waits for active jobs; false when `timeoutMs` ran out first. */
  close(timeoutMs: number): Promise<boolean>;
  reconcileNow(): Promise<number>;
}

export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const { log, keys } = options;
  const byName = new Map(options.bindings.map((b) => [b.contract.name, b]));
  const reconcileNow = () => options.deadLetter.reconcile(options.queues);
  const reconcileSoon = () => {
    reconcileNow().catch((err: unknown) => log.warn({ err }, 'dead-letter reconcile failed'));
  };

  const workers = options.queues.map((queue) => {
    const contracts = options.bindings.map((b) => b.contract).filter((c) => c.queue === queue);
    const cap = Math.max(0, ...contracts.map((c) => c.concurrency));
    const maxAttempts = Math.max(1, ...contracts.map((c) => c.retry.attempts));
    const worker = new Worker(
      queue,
      createProcessor({ ...options.processor, queue, bindings: byName, log }),
      {
        connection: options.connection,
        prefix: keys.bullPrefix,
        concurrency: cap > 0 ? Math.min(options.concurrency, cap) : options.concurrency,
        lockDuration: options.jobLockMs,
        stalledInterval: Math.max(500, Math.floor(options.jobLockMs / 2)),
        maxStalledCount: 2,
        maxStartedAttempts: maxAttempts + MAX_DEFERRALS,
        removeOnComplete: { ...RETENTION.completed },
        removeOnFail: { ...RETENTION.failed },
      },
    );
    worker.on('failed', (job) => {
      // finishedOn is set only when the job failed for good (not when it will retry).
      if (job !== undefined && job.finishedOn !== undefined) {
        options.deadLetter.record(queue, job).catch((err: unknown) => {
          log.warn(
            { err, queue, jobId: job.id },
            'dead-letter copy failed; the reconciler retries',
          );
        });
      }
    });
    worker.on('stalled', (jobId) => {
      options.processor.metrics.stalled.inc({ queue });
      log.warn({ queue, jobId }, 'job stalled (its worker died or froze); it runs again');
      reconcileSoon();
    });
    worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
    return worker;
  });

  reconcileSoon();
  const timer = setInterval(reconcileSoon, options.reconcileEveryMs ?? 30_000);
  timer.unref();
  log.info({ queues: options.queues, jobs: [...byName.keys()] }, 'workers started');

  return {
    queues: options.queues,
    reconcileNow,
    async close(timeoutMs) {
      clearInterval(timer);
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timeout = setTimeout(() => resolve(false), timeoutMs);
      });
      const closed = Promise.allSettled(workers.map((w) => w.close())).then(() => true as const);
      const clean = await Promise.race([closed, timedOut]);
      clearTimeout(timeout);
      if (!clean) {
        // Active jobs are left to the stalled-job check of another worker.
        for (const worker of workers) {
          void worker.close(true).catch(() => undefined);
        }
      }
      return clean;
    },
  };
}

/**
 * One BullMQ Worker per queue served, dispatching by job name among that queue's jobs only: a
 * job added to a queue its contract does not name fails as `unknown_job`, and a queue no job
 * is bound to gets no Worker (it would only fetch jobs to fail them). A job's lock lasts
 * IAM_PAM_JOB_LOCK_MS and stalled jobs are looked for every half of it, so a killed worker's
 * job is taken over after about 1.5× the lock. Finished jobs are trimmed by the same
 * retention as the producer's (KeepJobs objects only). Final failures go to the dead-letter
 * at once; a reconciler over the failed sets catches any a crash or the stalled checker left.
 */
import { Worker } from 'bullmq';

import { closeWithin } from '../close-within.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import type { WorkQueueName } from '../jobs/queues.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import { RETENTION } from '../producers/retention.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { indexBindings, type JobBinding } from './bind-handlers.ts';
import { createProcessor, jobLockLost, type ProcessorDeps } from './create-processor.ts';

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
  processor: Omit<ProcessorDeps, 'queue' | 'bindings' | 'log' | 'runs'>;
  deadLetter: DeadLetter;
  /** How often the failed sets are reconciled with the dead-letter; default 30 s. */
  reconcileEveryMs?: number;
}

export interface RunningWorkers {
  /** The queues served: those asked for that have at least one job bound. */
  readonly queues: readonly WorkQueueName[];
  /** Stops fetching and waits for active jobs; false when `timeoutMs` ran out first. */
  close(timeoutMs: number): Promise<boolean>;
  reconcileNow(): Promise<number>;
}

export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const { log, keys } = options;
  const all = [...indexBindings(options.bindings).values()];
  // Within one queue the job name is the dispatch key.
  const bindingsOf = (queue: WorkQueueName) =>
    new Map(
      all
        .filter((binding) => binding.contract.queue === queue)
        .map((binding) => [binding.contract.name, binding]),
    );
  const served = options.queues.filter((queue) => bindingsOf(queue).size > 0);
  const idle = options.queues.filter((queue) => !served.includes(queue));
  if (idle.length > 0) {
    log.info(
      { queues: idle },
      'no job is bound to these queues yet: not served here (jobs added to them wait)',
    );
  }
  const reconcileNow = () => options.deadLetter.reconcile(served);
  const reconcileSoon = () => {
    reconcileNow().catch((err: unknown) => log.warn({ err }, 'dead-letter reconcile failed'));
  };

  const workers = served.map((queue) => {
    const bindings = bindingsOf(queue);
    const contracts = [...bindings.values()].map((b) => b.contract);
    const cap = Math.max(0, ...contracts.map((c) => c.concurrency));
    const maxAttempts = Math.max(1, ...contracts.map((c) => c.retry.attempts));
    const runs = new Map<string, AbortController>();
    const worker = new Worker(
      queue,
      createProcessor({ ...options.processor, queue, bindings, log, runs }),
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
    worker.on('lockRenewalFailed', (jobIds) => {
      // BullMQ will hand these jobs to another worker: their runs here must not go on.
      for (const jobId of jobIds) {
        log.warn({ queue, jobId }, 'the lock on a running job was lost: its run stops');
        runs.get(jobId)?.abort(jobLockLost(queue, jobId));
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
  log.info(
    { queues: served, jobs: [...new Set(all.map((b) => b.contract.name))] },
    'workers started',
  );

  return {
    queues: served,
    reconcileNow,
    async close(timeoutMs) {
      clearInterval(timer);
      const clean = await closeWithin(Promise.allSettled(workers.map((w) => w.close())), timeoutMs);
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

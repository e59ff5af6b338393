/**
 * Adapts queue-agnostic handlers to BullMQ, for one queue: dispatch by job name and validate
 * the payload again (admit-job.ts), wait for the contract's concurrency slot, hold the IAM
 * user's lease (delay the job if another holds it), run the handler with a deadline inside its
 * run context (run-context.ts), and settle any failure in one place (settle-failure.ts). A run
 * stops when its job's BullMQ lock is lost (the lease's renewals check it; start-workers.ts also
 * listens to BullMQ's `lockRenewalFailed`), so a job taken over by another worker does not run
 * twice.
 */
import { setMaxListeners } from 'node:events';

import type { Job, Processor } from 'bullmq';

import { TransientError } from '../errors.ts';
import type {
  EnqueueJob,
  JobContext,
  JobProgress,
  JobResult,
  UserLease,
} from '../jobs/define-job.ts';
import type { WorkQueueName } from '../jobs/queues.ts';
import { type Logger, scrubSecrets } from '../logger.ts';
import type { EngineMetrics, RunOutcome } from '../metrics/engine-metrics.ts';
import type { EventLog } from '../queue/event-log.ts';
import type { JobStateStore } from '../queue/job-state-store.ts';
import type { RateBudget } from '../queue/rate-budget.ts';
import type { UserLeases } from '../queue/user-lease.ts';
import { admitJob } from './admit-job.ts';
import type { JobBinding } from './bind-handlers.ts';
import type { ConcurrencyGate } from './concurrency-gate.ts';
import { holdLease, type HeldLease } from './lease-keeper.ts';
import { runInContext } from './run-context.ts';
import type { ScopeFor } from './run-scope.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import { deferJob, deferralBackoffMs, settleFailure } from './settle-failure.ts';

export interface ProcessorDeps {
  queue: WorkQueueName;
  bindings: ReadonlyMap<string, JobBinding>;
  log: Logger;
  leases: UserLeases;
  budget: Pick<RateBudget, 'penalize'>;
  events: EventLog;
  enqueue: EnqueueJob;
  jobStates: JobStateStore;
  metrics: EngineMetrics;
  gate: ConcurrencyGate;
  /** Composes each run's IAM, fence and failpoints (run-scope.ts). */
  scopeFor: ScopeFor;
  /** The runs in progress on this queue, by job id: an event about a job reaches its run. */
  runs: Map<string, AbortController>;
}

/** How many listeners a run's abort signal may hold before Node warns of a leak. */
const JOB_SIGNAL_LISTENERS = 1000;

/** Why a run stops when its job's BullMQ lock passed on (the stalled checker gave it away). */
export function jobLockLost(queue: string, jobId: string): TransientError {
  return new TransientError(
    'lease_lost',
    `the lock on job ${queue}/${jobId} was lost (the worker froze or Redis dropped it): another worker may run it, so this run stops`,
  );
}

/** BullMQ's lock key of a job: it holds the processing worker's token while the job is active. */
function jobLockKey(job: Job): string {
  return `${job.queueQualifiedName}:${job.id ?? ''}:lock`;
}

/**
 * Ms before a job whose user is leased looks again: 100 ms doubling with each deferral up to
 * 2 s, never much past the lease's remaining life (jittered both ways so waiters spread out).
 */
function leaseRetryMs(job: Job, busyMs: number): number {
  const backoff = deferralBackoffMs(job, 100, 2_000);
  return Math.min(backoff, Math.max(busyMs, 50)) * (0.75 + Math.random() / 2);
}

export function createProcessor(deps: ProcessorDeps): Processor<unknown, JobResult> {
  // Two parameters, not three: BullMQ then makes no AbortController per job (we cancel through
  // our own deadline controller, not worker.cancelJob).
  return async (job: Job, token?: string) => {
    const started = performance.now();
    const binding = deps.bindings.get(job.name);
    const labels = { queue: deps.queue, name: job.name };
    const log = deps.log.child({
      queue: deps.queue,
      job: job.name,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    });
    let provider: string | undefined;
    let snapshot: Record<string, unknown> | undefined;
    const record = (outcome: RunOutcome) => {
      deps.metrics.jobs.inc({ ...labels, outcome });
      deps.metrics.jobDuration.observe(
        { ...labels, outcome },
        (performance.now() - started) / 1000,
      );
      if (outcome === 'completed' || outcome === 'failed') {
        deps.metrics.jobAttempts.observe(labels, job.attemptsMade + 1);
      }
    };
    try {
      const { contract, handler, payload } = await admitJob(job, binding, deps.queue);
      provider = contract.provider?.(payload);
      const release = await deps.gate.acquire(contract.name, contract.concurrency);
      let held: HeldLease | undefined;
      const jobId = job.id ?? '';
      const controller = new AbortController();
      // One job fans out many concurrent waits on its signal (a discovery's key lanes, each
      // pacing on the budget and sending through the SDK); each removes its listener when it
      // ends, so Node's default warning at 11 is noise here. 1000 still flags a real leak.
      setMaxListeners(JOB_SIGNAL_LISTENERS, controller.signal);
      deps.runs.set(jobId, controller);
      try {
        const user = contract.lockedUser?.(payload);
        if (user !== undefined) {
          const hold = await holdLease({
            leases: deps.leases,
            user,
            jobLock: token === undefined ? undefined : { key: jobLockKey(job), token },
            onLost: (e) => controller.abort(e),
            onJobLockLost: () => controller.abort(jobLockLost(deps.queue, jobId)),
            log,
          });
          if ('busyMs' in hold) {
            deps.metrics.leaseDeferrals.inc(labels);
            log.debug({ busyMs: hold.busyMs }, 'IAM user leased by another job: job delayed');
            throw await deferJob(job, token ?? '', leaseRetryMs(job, hold.busyMs));
          }
          held = hold.held;
        }
        const signal = controller.signal;
        const lease: UserLease | undefined = held?.lease;
        const ctx: JobContext = {
          log,
          signal,
          queue: deps.queue,
          jobId,
          attempt: job.attemptsMade + 1,
          lease,
          scope: deps.scopeFor({ queue: deps.queue, jobId, provider, lease, signal }),
          // Progress is stored in Redis and shown by the API and the CLI: no secret may reach it.
          progress: (progress) => job.updateProgress(scrubSecrets(progress) as JobProgress),
          enqueue: deps.enqueue,
          emit: (event) =>
            deps.events.append({
              type: event.type,
              provider: event.provider ?? provider ?? '',
              account: event.account,
              jobId,
              detail: event.detail,
            }),
          attachState: (state) => {
            snapshot = state;
          },
        };
        const value = await runWithDeadline({
          run: () =>
            runInContext({ queue: deps.queue, jobId, signal, lease }, () => handler(payload, ctx)),
          controller,
          timeoutMs: contract.timeoutMs,
          what: `job ${contract.name} ${jobId}`,
          onRunaway: (running) => {
            // It ignores its signal: a request it sent may still be in flight (no new mutation
            // goes out, see iam-hooks.ts), so the user stays ours until it stops (bounded).
            log.error(
              'the handler did not stop after its deadline; its IAM user stays leased until it does',
            );
            held?.releaseWhenSettled(running, Math.max(300_000, 10 * contract.timeoutMs));
            held = undefined;
          },
        });
        const result = scrubSecrets(value ?? {}) as JobResult;
        record('completed');
        return result;
      } finally {
        // A later run of the same job (taken back meanwhile) may have registered itself.
        if (deps.runs.get(jobId) === controller) {
          deps.runs.delete(jobId);
        }
        await held?.release();
        release();
      }
    } catch (err) {
      const settled = await settleFailure(err, {
        job,
        token,
        queue: deps.queue,
        provider,
        budget: deps.budget,
        metrics: deps.metrics,
        log,
        saveState: async () => {
          if (snapshot !== undefined) {
            await deps.jobStates.save(deps.queue, job.id ?? '', snapshot);
          }
        },
      });
      record(settled.outcome);
      throw settled.error;
    }
  };
}

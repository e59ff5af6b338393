/**
 * The typed way in: validates the payload against its contract (an invalid one is refused
 * with the zod message naming the field, and nothing is enqueued), applies the contract's
 * retry and retention policy, and collapses duplicates through BullMQ `deduplication` — not
 * fixed job ids, which would block a new job after a failed one.
 */
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { EnqueuedJob, EnqueueJob, JobContract, RetryPolicy } from '../jobs/define-job.ts';
import { parsePayload } from '../jobs/parse-payload.ts';
import type { IdempotencyStore } from '../queue/idempotency-store.ts';
import type { QueueSet } from './create-queues.ts';
import { RETENTION, type Retention } from './retention.ts';

export interface EnqueueDeps {
  queues: QueueSet;
  /** Needed only by callers that pass `idempotencyKey`. */
  idempotency?: IdempotencyStore;
  /** Tests shrink retry delays here. */
  backoffOverride?: RetryPolicy['backoff'];
  retention?: Retention;
}

/** BullMQ's job options for one job of `contract`. */
export function jobOptionsFor(
  contract: JobContract,
  payload: unknown,
  deps: Pick<EnqueueDeps, 'backoffOverride' | 'retention'>,
  delayMs?: number,
): JobsOptions {
  const retention = deps.retention ?? RETENTION;
  const dedupId = contract.deduplicationId?.(payload);
  return {
    attempts: contract.retry.attempts,
    backoff: { ...(deps.backoffOverride ?? contract.retry.backoff) },
    removeOnComplete: { ...retention.completed },
    removeOnFail: { ...retention.failed },
    ...(delayMs === undefined || delayMs <= 0 ? {} : { delay: delayMs }),
    ...(dedupId === undefined ? {} : { deduplication: { id: dedupId } }),
  };
}

/**
 * A request that joined a duplicate waiting in delay (a sweep's jittered heartbeat, a retry in
 * backoff) runs it now (CONTRACT.md): asking must not wait for the slot. A job that left the
 * delayed set meanwhile needs nothing.
 */
async function promoteIfDelayed(queue: Queue, job: Job): Promise<void> {
  if (job.id === undefined || (await queue.getJobState(job.id)) !== 'delayed') {
    return;
  }
  try {
    await job.promote();
  } catch (err) {
    if ((await queue.getJobState(job.id)) === 'delayed') {
      throw err;
    }
  }
}

export function createEnqueue(deps: EnqueueDeps): EnqueueJob {
  return async (contract, input, options = {}) => {
    const payload = parsePayload(contract, input);
    const add = async (): Promise<EnqueuedJob> => {
      await options.check?.();
      const queue = deps.queues.get(contract.queue);
      const opts = jobOptionsFor(contract, payload, deps, options.delayMs);
      const job = await queue.add(contract.name, payload, opts);
      if (opts.deduplication !== undefined && opts.delay === undefined) {
        await promoteIfDelayed(queue, job);
      }
      // A deduplicated add returns the live job's id: the caller follows that job.
      return { queue: contract.queue, jobId: job.id ?? '' };
    };
    const idem = options.idempotencyKey;
    if (idem === undefined) {
      return add();
    }
    if (deps.idempotency === undefined) {
      throw new Error('createEnqueue: idempotencyKey given but no idempotency store');
    }
    const { queue, jobId } = await deps.idempotency.once(
      { ...idem, fingerprint: JSON.stringify([contract.name, payload]) },
      add,
    );
    return { queue, jobId };
  };
}

/**
 * Many jobs of one kind in one round trip (BullMQ `addBulk`): what a sweep uses to enqueue a
 * heartbeat per managed account. Each payload is validated like a single enqueue (one invalid
 * payload refuses the whole batch, naming it, before anything is added), and each job carries
 * its contract's deduplication id, so a duplicate of live work collapses into it.
 */
import type { EnqueueBulk } from '../jobs/define-job.ts';
import { parsePayload } from '../jobs/parse-payload.ts';
import { type EnqueueDeps, jobOptionsFor } from './create-enqueue.ts';

export function createEnqueueBulk(deps: Omit<EnqueueDeps, 'idempotency'>): EnqueueBulk {
  return async (contract, inputs, options = {}) => {
    const payloads = inputs.map((input) => parsePayload(contract, input));
    const jobs = await deps.queues.get(contract.queue).addBulk(
      payloads.map((payload, index) => ({
        name: contract.name,
        data: payload,
        opts: jobOptionsFor(contract, payload, deps, options.delayMs?.(index)),
      })),
    );
    return jobs.map((job) => ({ queue: contract.queue, jobId: job.id ?? '' }));
  };
}

/**
 * One handler per contract. `HandlerMap` is a mapped type over the contracts, so a contract
 * without a handler (or a handler for the wrong payload) does not compile; `bindHandlers`
 * then erases the per-contract types for the worker, which dispatches by job name.
 */
import type { JobContract, JobHandler } from '../jobs/define-job.ts';
import { jobKey } from '../jobs/queues.ts';

export type HandlerMap<Cs extends readonly JobContract[]> = {
  [C in Cs[number] as C['name']]: JobHandler<C>;
};

/** A contract with its handler, types erased: what workers run. */
export interface JobBinding {
  readonly contract: JobContract;
  readonly handler: JobHandler;
  /** The failpoints its runs hit (`rotation:after-<step>` of the steps it declares). */
  readonly failpoints?: readonly string[];
}

export function bindHandlers<const Cs extends readonly JobContract[]>(
  contracts: Cs,
  handlers: NoInfer<HandlerMap<Cs>>,
): JobBinding[] {
  // The one cast: TypeScript cannot correlate a union element with its entry in the map.
  const byName = handlers as unknown as Record<string, JobHandler | undefined>;
  return contracts.map((contract) => {
    const handler = byName[contract.name];
    if (handler === undefined) {
      throw new Error(`no handler for job "${contract.name}"`);
    }
    return { contract, handler };
  });
}

/**
 * Indexes by queue and job name, the dispatch key, refusing a name declared twice on one queue:
 * a mis-wired registry would otherwise run one of the two handlers silently, so the process
 * stops at start instead.
 */
export function indexByJobName<T>(
  items: readonly T[],
  contractOf: (item: T) => JobContract,
): Map<string, T> {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const { name, queue } = contractOf(item);
    const key = jobKey(queue, name);
    if (byKey.has(key)) {
      throw new Error(
        `job "${name}" is declared twice (queues ${queue} and ${queue}); a job name must be unique within its queue`,
      );
    }
    byKey.set(key, item);
  }
  return byKey;
}

export function indexBindings(bindings: readonly JobBinding[]): Map<string, JobBinding> {
  return indexByJobName(bindings, (binding) => binding.contract);
}

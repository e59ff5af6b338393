/**
 * One handler per contract. `HandlerMap` is a mapped type over the contracts, so a contract
 * without a handler (or a handler for the wrong payload) does not compile; `bindHandlers`
 * then erases the per-contract types for the worker, which dispatches by job name.
 */
import type { JobContract, JobHandler } from '../jobs/define-job.ts';

export type HandlerMap<Cs extends readonly JobContract[]> = {
  [C in Cs[number] as C['name']]: JobHandler<C>;
};

/** A contract with its handler, types erased: what workers run. */
export interface JobBinding {
  readonly contract: JobContract;
  readonly handler: JobHandler;
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

/** Checks that job names are unique across all bindings (a name is the dispatch key). */
export function indexBindings(bindings: readonly JobBinding[]): Map<string, JobBinding> {
  const byName = new Map<string, JobBinding>();
  for (const binding of bindings) {
    if (byName.has(binding.contract.name)) {
      throw new Error(`job "${binding.contract.name}" is declared twice`);
    }
    byName.set(binding.contract.name, binding);
  }
  return byName;
}

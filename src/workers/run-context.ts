/**
 * What the code a run calls can learn about that run without being handed it: the processor
 * runs each handler inside its RunContext (AsyncLocalStorage), so the per-request IAM hook,
 * deep in the SDK, finds the run's lease and signal (iam-hooks.ts). Outside a run (the API,
 * the CLI) there is none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

import type { UserLease } from '../jobs/define-job.ts';

export interface RunContext {
  readonly queue: string;
  readonly jobId: string;
  /** Aborted when the run must stop (deadline, lost lease, lost job lock). */
  readonly signal: AbortSignal;
  /** The lease on the job's IAM user, when its contract locks one. */
  readonly lease: UserLease | undefined;
}

const storage = new AsyncLocalStorage<RunContext>();

/** Runs `fn` (and everything it starts) inside `context`. */
export function runInContext<T>(context: RunContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The run the caller is part of, if any. */
export function currentRun(): RunContext | undefined {
  return storage.getStore();
}

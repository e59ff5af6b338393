/**
 * Which job the current async call chain belongs to. The IAM request hooks read it, so a run
 * that passed its deadline (or lost its lease) can send no further IAM request, even from code
 * that ignores its AbortSignal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface JobScopeInfo {
  queue: string;
  name: string;
  jobId: string;
  provider: string | undefined;
  signal: AbortSignal;
}

export interface JobScope {
  run<T>(info: JobScopeInfo, body: () => Promise<T>): Promise<T>;
  current(): JobScopeInfo | undefined;
}

export function createJobScope(): JobScope {
  const storage = new AsyncLocalStorage<JobScopeInfo>();
  return {
    run: (info, body) => storage.run(info, body),
    current: () => storage.getStore(),
  };
}

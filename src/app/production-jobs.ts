/**
 * The production job types with their handlers. A new job type: add its contract to
 * `jobContracts` (src/jobs/registry.ts) and its handler here, built from `deps`
 * (e.g. `'validate-provider': createValidateProviderHandler(deps)`); a contract without a
 * handler does not compile.
 */
import { jobContracts } from '../jobs/registry.ts';
import { bindHandlers, type JobBinding } from '../workers/bind-handlers.ts';
import type { EngineDeps } from './engine-deps.ts';

export function createProductionJobs(_deps: EngineDeps): JobBinding[] {
  return bindHandlers(jobContracts, {});
}

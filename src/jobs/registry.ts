/**
 * Every kind of job this service runs in production. Producers, workers, the dashboard and
 * `/v1/jobs/schemas` start here. Add a contract here and its handler to the map in
 * `src/app/production-jobs.ts`; the compiler then refuses a contract without a handler.
 */
import type { JobContract } from './define-job.ts';
import { discover } from './discover/contract.ts';
import { heartbeat } from './heartbeat/contract.ts';
import { deactivateOldKey, deleteOldKey, rotate } from './rotate/contract.ts';
import { heartbeatSweep } from './heartbeat-sweep/contract.ts';
import { rotationSweep } from './rotation-sweep/contract.ts';
import { scheduleTicks } from './schedule-tick/contract.ts';
import { validateProvider } from './validate-provider/contract.ts';

export const jobContracts = [
  validateProvider,
  discover,
  heartbeat,
  rotate,
  deactivateOldKey,
  deleteOldKey,
  heartbeatSweep,
  rotationSweep,
  // One per queue (a job name is unique within its queue); one handler runs them all.
  scheduleTicks.discover,
  scheduleTicks['heartbeat-sweep'],
  scheduleTicks['rotation-sweep'],
] as const satisfies readonly JobContract[];

/**
 * Runs a `schedule-tick`: enqueues the scheduled job through the producer, so its
 * deduplication id collapses it with a manual request or one still live. A tick whose provider
 * is gone, or whose policy no longer schedules the job, does nothing (the scheduler is removed
 * by the next policy write or start-up reconcile).
 */
import type { ProviderStore } from '../../providers/provider-store.ts';
import { scheduleEveryMs, type ScheduledJob } from '../../providers/schedule-plan.ts';
import type { JobContract, JobHandler } from '../define-job.ts';
import { discover } from '../discover/contract.ts';
import { heartbeatSweep } from '../heartbeat-sweep/contract.ts';
import { rotationSweep } from '../rotation-sweep/contract.ts';
import type { ScheduleTick } from './contract.ts';

const SCHEDULED: Record<ScheduledJob, JobContract> = {
  discover,
  'heartbeat-sweep': heartbeatSweep,
  'rotation-sweep': rotationSweep,
};

export function createScheduleTickHandler(deps: {
  providers: Pick<ProviderStore, 'get'>;
}): JobHandler<ScheduleTick> {
  return async ({ provider, job }, ctx) => {
    const record = await deps.providers.get(provider);
    if (record === undefined) {
      return { provider, job, skipped: 'provider_removed' };
    }
    if (scheduleEveryMs(record.policy, job) === undefined) {
      return { provider, job, skipped: 'schedule_off' };
    }
    const enqueued = await ctx.enqueue(SCHEDULED[job], { provider });
    return { provider, job, enqueued };
  };
}

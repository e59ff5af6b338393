/**
 * The heartbeat sweep: one heartbeat per managed account of the provider, enqueued in bulk
 * (batches of `BATCH` per addBulk) and spread over the heartbeat period, so 10,000 accounts do
 * not hit IAM in the same second. Each heartbeat carries its own deduplication id: one still
 * waiting from the last sweep is joined, and a manual `heartbeat` joining a delayed one
 * promotes it (the producer does that), so asking never waits for the slot.
 */
import type { AccountStore } from '../../accounts/account-store.ts';
import type { ProviderStore } from '../../providers/provider-store.ts';
import { REAL_TIME, scheduleEveryMs, type ScheduleUnits } from '../../providers/schedule-plan.ts';
import type { EnqueueBulk, JobHandler } from '../define-job.ts';
import { heartbeat } from '../heartbeat/contract.ts';
import { spreadDelays } from '../spread-delays.ts';
import type { heartbeatSweep } from './contract.ts';

/** Jobs per addBulk: one Redis transaction each, kept short so other clients are not held up. */
export const BATCH = 1_000;

export interface HeartbeatSweepDeps {
  accounts: Pick<AccountStore, 'list'>;
  providers: Pick<ProviderStore, 'require'>;
  enqueueBulk: EnqueueBulk;
  units?: ScheduleUnits;
  random?: () => number;
}

export function createHeartbeatSweepHandler(
  deps: HeartbeatSweepDeps,
): JobHandler<typeof heartbeatSweep> {
  return async ({ provider }, ctx) => {
    // A provider that is gone fails the sweep (not_found), as any job of it does.
    const { policy } = await deps.providers.require(provider);
    const periodMs = scheduleEveryMs(policy, 'heartbeat-sweep', deps.units ?? REAL_TIME);
    if (periodMs === undefined) {
      return { provider, skipped: 'schedule_off' };
    }
    // Sorted by reference: each account keeps its slot from one sweep to the next.
    const accounts = await deps.accounts.list(provider);
    const delays = spreadDelays(accounts.length, periodMs, deps.random ?? Math.random);
    let enqueued = 0;
    for (let start = 0; start < accounts.length; start += BATCH) {
      ctx.signal.throwIfAborted();
      const batch = accounts.slice(start, start + BATCH);
      const jobs = await deps.enqueueBulk(
        heartbeat,
        batch.map(({ provider: p, userName, kind }) => ({ provider: p, userName, kind })),
        { delayMs: (index) => delays[start + index] },
      );
      enqueued += jobs.length;
      await ctx.progress({ enqueued, of: accounts.length });
    }
    ctx.log.info({ provider, heartbeats: accounts.length, periodMs }, 'heartbeat sweep enqueued');
    return { provider, heartbeats: accounts.length, spreadMs: periodMs };
  };
}

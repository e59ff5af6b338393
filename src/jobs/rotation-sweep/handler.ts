/**
 * The rotation sweep: asks for a rotation of every account of the provider that is due
 * (due-for-rotation.ts), through the rotation port, each delayed into its own slot of the day
 * so a batch imported together does not rotate in the same second. The port answers undefined
 * for a rotation refused (one half-finished, `rotation_in_progress`) or not available; those
 * are counted, and the next day's sweep asks again.
 */
import { displayRef } from '../../accounts/account-ref.ts';
import type { AccountStore } from '../../accounts/account-store.ts';
import type { ProviderStore } from '../../providers/provider-store.ts';
import { REAL_TIME, scheduleEveryMs, type ScheduleUnits } from '../../providers/schedule-plan.ts';
import type { JobHandler } from '../define-job.ts';
import type { RequestRotation } from '../rotation-ports.ts';
import { spreadDelays } from '../spread-delays.ts';
import type { rotationSweep } from './contract.ts';
import { dueForRotation } from './due-for-rotation.ts';

export const SWEEP_REASON = 'rotation-sweep:age';

export interface RotationSweepDeps {
  accounts: Pick<AccountStore, 'list'>;
  providers: Pick<ProviderStore, 'require'>;
  requestRotation: RequestRotation;
  units?: ScheduleUnits;
  now?: () => Date;
  random?: () => number;
}

export function createRotationSweepHandler(
  deps: RotationSweepDeps,
): JobHandler<typeof rotationSweep> {
  return async ({ provider }, ctx) => {
    // A provider that is gone fails the sweep (not_found), as any job of it does.
    const { policy } = await deps.providers.require(provider);
    const { rotateEveryDays } = policy;
    if (rotateEveryDays === null) {
      return { provider, skipped: 'schedule_off' };
    }
    const due = dueForRotation(
      await deps.accounts.list(provider),
      rotateEveryDays,
      (deps.now ?? (() => new Date()))(),
    );
    const spreadMs = scheduleEveryMs(policy, 'rotation-sweep', deps.units ?? REAL_TIME);
    const delays = spreadDelays(due.length, spreadMs ?? 0, deps.random ?? Math.random);
    let requested = 0;
    for (const [index, account] of due.entries()) {
      ctx.signal.throwIfAborted();
      const ref = { provider: account.provider, userName: account.userName, kind: account.kind };
      const job = await deps.requestRotation(ref, SWEEP_REASON, { delayMs: delays[index] });
      if (job !== undefined) {
        requested += 1;
      } else {
        ctx.log.info({ account: displayRef(ref) }, 'rotation sweep: no rotation was enqueued');
      }
    }
    return { provider, due: due.length, requested, notRequested: due.length - requested };
  };
}

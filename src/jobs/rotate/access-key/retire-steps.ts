/**
 * The old key's retirement inside the rotation (DESIGN.md "Rotation, step by step"):
 * `deactivate` (UpdateAccessKey Inactive), `delete` (NoSuchEntity counts as done), `untag`.
 * With `overlapSeconds` > 0 the rotation is done at `tag` and the delayed `deactivate-old-key`
 * job takes over; with `deleteGraceSeconds` > 0 the delayed `delete-old-key` job deletes and
 * untags. Each step records what it did or why it did nothing, so the result says it.
 */
import { canonicalRef } from '../../../accounts/account-ref.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { PlanRecord } from './journal-records.ts';
import { requireRecord } from './journal-records.ts';
import { deactivateKey, deleteKey, untagKey } from './retire-key.ts';

export function retireSteps(deps: AccessKeyRotationDeps): RotationStep[] {
  /** Leaves the old key to a delayed job; the record says which and when. */
  async function scheduleLater(
    job: 'deactivate-old-key' | 'delete-old-key',
    account: { provider: string; userName: string },
    accessKeyId: string,
    seconds: number,
    now: Date,
  ) {
    const delayMs = seconds * 1_000;
    const { provider, userName } = account;
    await deps.scheduleRetirement(job, { provider, userName, accessKeyId }, delayMs);
    return { record: { scheduled: job, at: new Date(now.getTime() + delayMs).toISOString() } };
  }
  return [
    {
      name: 'deactivate',
      async run({ account, journal }, ports) {
        const plan = requireRecord<PlanRecord>(journal, 'plan');
        const old = plan.oldAccessKeyId;
        if (old === undefined) {
          return { record: { skipped: 'no_old_key' } };
        }
        if (plan.overlapSeconds > 0) {
          return scheduleLater(
            'deactivate-old-key',
            account,
            old,
            plan.overlapSeconds,
            ports.now(),
          );
        }
        const done = await deactivateKey(ports.iam, account.userName, old);
        return { record: { deactivated: old, ...done } };
      },
    },
    {
      name: 'delete',
      async run({ account, journal }, ports) {
        const plan = requireRecord<PlanRecord>(journal, 'plan');
        const old = plan.oldAccessKeyId;
        if (old === undefined) {
          return { record: { skipped: 'no_old_key' } };
        }
        if (plan.overlapSeconds > 0) {
          return { record: { skipped: 'after_overlap' } };
        }
        if (plan.deleteGraceSeconds > 0) {
          return scheduleLater(
            'delete-old-key',
            account,
            old,
            plan.deleteGraceSeconds,
            ports.now(),
          );
        }
        const done = await deleteKey(ports.iam, account.userName, old);
        return { record: { deleted: old, ...done } };
      },
    },
    {
      name: 'untag',
      async run({ account, journal }, ports) {
        const plan = requireRecord<PlanRecord>(journal, 'plan');
        const old = plan.oldAccessKeyId;
        if (old === undefined || plan.overlapSeconds > 0 || plan.deleteGraceSeconds > 0) {
          return { record: { skipped: old === undefined ? 'no_old_key' : 'with_delete' } };
        }
        const { requestId } = await untagKey(ports.iam, account.userName, old);
        // Retired: the vault forgets it (the previous stage held it, if its secret was known).
        const owner = canonicalRef(account);
        const versions = await ports.vault.versions(owner);
        if (versions.some((v) => v.stages.includes('previous') && v.accessKeyId === old)) {
          await ports.vault.clear(owner, 'previous', ports.vaultWrite);
        }
        return { record: { untagged: old, requestId } };
      },
    },
  ];
}

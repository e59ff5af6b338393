/**
 * The delayed retirement of an old key (`deactivate-old-key` after `overlapSeconds`,
 * `delete-old-key` after `deleteGraceSeconds`). Each acts only on a key that is still ours
 * being retired — the vault's `previous` — and never on the account's current key; a key a
 * later rotation already retired (gone) counts as done. Runs under the user's lease.
 */
import { type AccountRef, canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import type { AccountStore } from '../../../accounts/account-store.ts';
import type { LifecyclePolicy } from '../../../providers/lifecycle-policy.ts';
import type { SecretStore } from '../../../vault/secret-store.ts';
import type { JobContext, JobHandler, JobResult } from '../../define-job.ts';
import type { deactivateOldKey, deleteOldKey } from '../contract.ts';
import type { RetirementJob, RetirementTarget } from './deps.ts';
import { deactivateKey, deleteKey, untagKey } from './retire-key.ts';

export interface OldKeyJobDeps {
  accounts: Pick<AccountStore, 'require'>;
  vault: SecretStore;
  policyOf(providerId: string): Promise<LifecyclePolicy>;
  /** The key the account's last finished rotation set out to retire (deps.ts). */
  retiringKeyOf: (account: AccountRef) => Promise<string | undefined>;
  scheduleRetirement(job: RetirementJob, target: RetirementTarget, delayMs: number): Promise<void>;
}

/** Why the key is not ours to retire now, or undefined when it is. */
async function notRetiring(
  deps: OldKeyJobDeps,
  target: RetirementTarget,
): Promise<string | undefined> {
  const account = {
    provider: target.provider,
    userName: target.userName,
    kind: 'access-key' as const,
  };
  const record = await deps.accounts.require(account);
  if (record.currentAccessKeyId === target.accessKeyId) {
    return 'current_key';
  }
  const versions = await deps.vault.versions(canonicalRef(account));
  const previous = versions.find((v) => v.stages.includes('previous'))?.accessKeyId;
  if (previous === target.accessKeyId) {
    return undefined;
  }
  // Imported without its secret, the old key never had a vault version: the journal says.
  return (await deps.retiringKeyOf(account)) === target.accessKeyId ? undefined : 'not_previous';
}

async function finishDeletion(
  deps: OldKeyJobDeps,
  target: RetirementTarget,
  ctx: JobContext,
): Promise<JobResult> {
  const { iam, actor, fence } = ctx.scope;
  const deleted = await deleteKey(iam, target.userName, target.accessKeyId);
  await untagKey(iam, target.userName, target.accessKeyId);
  const owner = canonicalRef({ ...target, kind: 'access-key' });
  const versions = await deps.vault.versions(owner);
  if (versions.some((v) => v.stages.includes('previous') && v.accessKeyId === target.accessKeyId)) {
    await deps.vault.clear(owner, 'previous', { actor, fence, jobId: ctx.jobId });
  }
  return {
    deleted: target.accessKeyId,
    alreadyGone: deleted.alreadyGone,
    at: new Date().toISOString(),
  };
}

export function createOldKeyJobs(deps: OldKeyJobDeps): {
  'deactivate-old-key': JobHandler<typeof deactivateOldKey>;
  'delete-old-key': JobHandler<typeof deleteOldKey>;
} {
  const skip = (target: RetirementTarget, why: string, ctx: JobContext): JobResult => {
    ctx.log.info(
      { accessKeyId: target.accessKeyId, why },
      `${displayRef({ ...target, kind: 'access-key' })}: the key is no longer being retired by us; nothing to do`,
    );
    return { accessKeyId: target.accessKeyId, skipped: why };
  };
  return {
    async 'deactivate-old-key'(target, ctx) {
      const why = await notRetiring(deps, target);
      if (why !== undefined) {
        return skip(target, why, ctx);
      }
      const done = await deactivateKey(ctx.scope.iam, target.userName, target.accessKeyId);
      // Calls signed with the key (a provider's own) that were waited for: the result says so.
      const drained = done.inFlightDrain ? { inFlightDrain: done.inFlightDrain } : {};
      const grace = (await deps.policyOf(target.provider)).deleteGraceSeconds;
      if (!done.alreadyGone && grace > 0) {
        await deps.scheduleRetirement('delete-old-key', target, grace * 1_000);
        return { deactivated: target.accessKeyId, deleteScheduledInSeconds: grace, ...drained };
      }
      return {
        deactivated: target.accessKeyId,
        ...drained,
        ...(await finishDeletion(deps, target, ctx)),
      };
    },
    async 'delete-old-key'(target, ctx) {
      const why = await notRetiring(deps, target);
      if (why !== undefined) {
        return skip(target, why, ctx);
      }
      return finishDeletion(deps, target, ctx);
    },
  };
}

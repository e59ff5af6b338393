/**
 * Wires the access-key rotation (src/jobs/rotate/access-key/) to the domain: the provider's
 * policy and last validation, the audit's CreateAccessKey sends (and the old key's last use),
 * the delayed retirement jobs, the `rotation.refused` event and the rotation metrics.
 */
import { type AccountRef, canonicalRef } from '../accounts/account-ref.ts';
import type { Domain } from '../domain.ts';
import type { EnqueueJob } from '../jobs/define-job.ts';
import type { AccessKeyRotationDeps, RetirementJob } from '../jobs/rotate/access-key/deps.ts';
import { createOldKeyJobs } from '../jobs/rotate/access-key/old-key-jobs.ts';
import { deactivateOldKey, deleteOldKey } from '../jobs/rotate/contract.ts';
import type { RotationMetrics } from '../metrics/rotation-metrics.ts';
import type { EventLog } from '../queue/event-log.ts';

export interface AccessKeyRotationWiring {
  domain: Domain;
  enqueue: EnqueueJob;
  events: EventLog;
  /** Absent where no worker runs (the CLI's and the API's abandon). */
  metrics?: RotationMetrics | undefined;
}

/** How far back the audit is read for the sends of one rotation. */
const AUDIT_ENTRIES_READ = 200;

export function accessKeyRotationDeps(wiring: AccessKeyRotationWiring): AccessKeyRotationDeps {
  const { domain } = wiring;
  const scheduleRetirement = async (
    job: RetirementJob,
    target: { provider: string; userName: string; accessKeyId: string },
    delayMs: number,
  ) => {
    const contract = job === 'deactivate-old-key' ? deactivateOldKey : deleteOldKey;
    await wiring.enqueue(contract, target, { delayMs });
  };
  return {
    accounts: domain.accounts,
    async providerOf(id) {
      const provider = await domain.providers.require(id);
      return { policy: provider.policy, denied: provider.denied };
    },
    async createAttempts(account, since) {
      const entries = await domain.audit.list({
        account: canonicalRef(account),
        limit: AUDIT_ENTRIES_READ,
      });
      return entries
        .filter((e) => e.action === 'CreateAccessKey' && e.outcome === 'attempted')
        .map((e) => new Date(e.at))
        .filter((at) => at.getTime() >= since.getTime());
    },
    scheduleRetirement,
    retiringKeyOf: (account) => retiringKeyOf(domain, account),
    async lastUsed(account, read) {
      await domain.audit.append({
        actor: read.actor,
        action: 'GetAccessKeyLastUsed',
        outcome: 'ok',
        provider: account.provider,
        account: canonicalRef(account),
        keyId: read.accessKeyId,
        jobId: read.jobId,
        detail: { lastUsedAt: read.lastUsedAt },
      });
    },
    async refused(account, jobId, detail) {
      await wiring.events.append({
        type: 'rotation.refused',
        provider: account.provider,
        account: canonicalRef(account),
        jobId: jobId ?? '',
        detail,
      });
    },
    observe: wiring.metrics && {
      verifyWait: (seconds, outcome) => wiring.metrics?.verifyWait.observe({ outcome }, seconds),
      keyPending: (delta) => wiring.metrics?.keysPending.inc(delta),
    },
  };
}

export function accessKeyOldKeyJobs(wiring: AccessKeyRotationWiring) {
  const { scheduleRetirement } = accessKeyRotationDeps(wiring);
  return createOldKeyJobs({
    accounts: wiring.domain.accounts,
    vault: wiring.domain.vault,
    policyOf: async (id) => (await wiring.domain.providers.require(id)).policy,
    scheduleRetirement,
    retiringKeyOf: (account) => retiringKeyOf(wiring.domain, account),
  });
}

/** The old key of the account's last succeeded rotation (its plan record), if any. */
async function retiringKeyOf(domain: Domain, account: AccountRef): Promise<string | undefined> {
  const [last] = await domain.journals.history(account, 1);
  if (last?.outcome !== 'succeeded') {
    return undefined;
  }
  const plan = last.steps.find((step) => step.step === 'plan')?.record as
    { oldAccessKeyId?: string } | undefined;
  return plan?.oldAccessKeyId;
}

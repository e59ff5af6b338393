/**
 * `rotate --abandon` (DESIGN.md "Abandon"): synchronous, under the user's lease like any
 * mutation. Refused while a rotation job for the account is waiting, active or delayed; the
 * kind's hook undoes what was never promoted, then the journal closes as `abandoned`.
 */
import { type AccountRef, displayRef } from '../accounts/account-ref.ts';
import { createAuditedGateway } from '../audit/audited-gateway.ts';
import { createUnsettledMutations } from '../audit/unsettled-mutations.ts';
import type { Domain } from '../domain.ts';
import { PermanentError } from '../errors.ts';
import { notImplemented, type RotationKinds } from '../jobs/rotate/handler.ts';
import { abandonRotation, type AbandonResult } from '../jobs/rotate/step-runner.ts';
import type { RotationRequests } from '../producers/rotation-requests.ts';
import type { Logger } from '../logger.ts';
import type { EventLog } from '../queue/event-log.ts';
import type { UserLeases } from '../queue/user-lease.ts';

export interface AbandonDeps {
  domain: Domain;
  kinds: RotationKinds;
  rotations: Pick<RotationRequests, 'liveJob'>;
  leases: UserLeases;
  events: EventLog;
  log: Logger;
}

export async function abandonOpenRotation(
  deps: AbandonDeps,
  account: AccountRef,
  actor: string,
): Promise<{ account: string; abandoned: AbandonResult }> {
  const { domain } = deps;
  const record = await domain.accounts.require(account);
  const live = await deps.rotations.liveJob(account);
  if (live !== undefined) {
    throw new PermanentError(
      'rotation_in_progress',
      `${displayRef(account)}: rotation job ${live.jobId} is ${live.state}; stop or fail it first, then abandon`,
      { detail: { jobId: live.jobId, state: live.state } },
    );
  }
  const open = await domain.journals.read(account);
  if (open === undefined) {
    throw new PermanentError(
      'conflict',
      `${displayRef(account)}: no half-finished rotation to abandon`,
    );
  }
  const kind = deps.kinds[account.kind];
  if (kind === undefined) {
    throw notImplemented(account.kind);
  }
  const got = await deps.leases.acquire(account);
  if (!got.acquired) {
    throw new PermanentError(
      'conflict',
      `${displayRef(account)}: a job is working on this IAM user; try again when it is done`,
    );
  }
  const fence = { user: account, fencingToken: got.token, value: got.value };
  try {
    const abandoned = await abandonRotation(kind, {
      account,
      journals: domain.journals,
      writer: { fence, actor },
      ports: {
        iam: createAuditedGateway(
          domain.clients.gatewayFor(account.provider),
          domain.audit,
          { actor, provider: account.provider },
          createUnsettledMutations(domain.redis, domain.keys),
        ),
        verifier: domain.clients.verifierFor(account.provider),
        vault: domain.vault,
        vaultWrite: { actor, fence },
        now: () => new Date(),
        log: deps.log,
        signal: new AbortController().signal,
      },
      emit: (event) =>
        deps.events.append({
          type: event.type,
          provider: account.provider,
          account: event.account,
          jobId: '',
          detail: { ...event.detail, actor },
        }),
    });
    if (abandoned === undefined) {
      throw new PermanentError(
        'conflict',
        `${displayRef(account)}: no half-finished rotation to abandon`,
      );
    }
    await domain.accounts.update(account, {
      status: 'managed',
      lastRotation: { state: 'abandoned', at: new Date().toISOString() },
    });
    return { account: record.account, abandoned };
  } finally {
    await deps.leases.release(account, got.value).catch(() => undefined);
  }
}

/**
 * Asking for a rotation, the one way every caller does (API, CLI, heartbeat, discovery,
 * schedules): a request while a rotation job for the account is live joins it (deduplication;
 * one waiting in delay is promoted to run now, by the producer's enqueue); a request while a journal is open and no job
 * works on it (e.g. it is in the dead-letter) is refused with `rotation_in_progress` and the
 * event `rotation.refused` — resume it (replay) or abandon it first (DESIGN.md "Abandon").
 */
import { type AccountRef, canonicalRef, displayRef } from '../accounts/account-ref.ts';
import { PermanentError } from '../errors.ts';
import { accountDedupId } from '../jobs/dedup-ids.ts';
import type { EnqueuedJob, EnqueueJob, EnqueueOptions } from '../jobs/define-job.ts';
import type { JournalStore } from '../jobs/rotate/journal.ts';
import { rotate } from '../jobs/rotate/contract.ts';
import type { EventLog } from '../queue/event-log.ts';
import { findJob } from '../queue/find-job.ts';
import type { QueueSet } from './create-queues.ts';

/** BullMQ states in which a job still works on its account. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface LiveRotation {
  jobId: string;
  state: string;
}

export interface RotationRequests {
  /** Enqueues (or joins) a rotation; throws `rotation_in_progress` when refused. */
  request(
    account: AccountRef,
    reason: string,
    /** `delayMs`: a sweep spreads its rotations over the day. */
    options?: Pick<EnqueueOptions, 'idempotencyKey' | 'delayMs'>,
  ): Promise<EnqueuedJob>;
  /** The rotation job working on the account (waiting, active or delayed), if any. */
  liveJob(account: AccountRef): Promise<LiveRotation | undefined>;
  /** Throws `rotation_in_progress` (and emits `rotation.refused`) for a half-finished journal. */
  check(account: AccountRef): Promise<void>;
}

export function createRotationRequests(deps: {
  queues: QueueSet;
  enqueue: EnqueueJob;
  journals: Pick<JournalStore, 'read'>;
  events: EventLog;
}): RotationRequests {
  const queue = () => deps.queues.get(rotate.queue);

  async function liveJob(account: AccountRef): Promise<LiveRotation | undefined> {
    const jobId = await queue().getDeduplicationJobId(accountDedupId(account, rotate.name));
    if (jobId === null) {
      return undefined;
    }
    const job = await findJob(queue(), jobId);
    const state = job === undefined ? 'unknown' : await job.getState();
    return LIVE_STATES.has(state) ? { jobId, state } : undefined;
  }

  async function refuseIfHalfFinished(account: AccountRef): Promise<void> {
    const open = await deps.journals.read(account);
    if (open === undefined || (await liveJob(account)) !== undefined) {
      return;
    }
    await deps.events.append({
      type: 'rotation.refused',
      provider: account.provider,
      account: canonicalRef(account),
      jobId: open.jobId,
      detail: { reason: 'rotation_in_progress', rotationId: open.rotationId, step: open.step },
    });
    throw new PermanentError(
      'rotation_in_progress',
      `${displayRef(account)}: rotation ${open.rotationId} stopped at step ${open.step} and no job works on it; resume it (iam-pam dlq replay) or abandon it (iam-pam rotate ${displayRef(account)} --abandon) first`,
      { detail: { rotationId: open.rotationId, step: open.step } },
    );
  }

  return {
    liveJob,
    check: refuseIfHalfFinished,
    // Joining a job waiting in delay (a retry's backoff) promotes it: create-enqueue.ts does
    // that for every request that asks for no delay of its own.
    request: (account, reason, options = {}) =>
      deps.enqueue(
        rotate,
        { provider: account.provider, userName: account.userName, kind: account.kind, reason },
        { ...options, check: () => refuseIfHalfFinished(account) },
      ),
  };
}

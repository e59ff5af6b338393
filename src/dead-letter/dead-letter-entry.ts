/** The shape of a dead-letter entry: as stored in the `dead-letter` queue, and as shown. */
import type { Job } from 'bullmq';

import type { JobContract } from '../jobs/define-job.ts';

/** The entry's job data (CONTRACT.md: `{queue, name, data, reason, attempts, state}` and more). */
export interface DeadLetterData {
  queue: string;
  name: string;
  /** The failed job's id in its queue. */
  jobId: string;
  /** The failed job's payload (references only), scrubbed of secret-named fields. */
  data: unknown;
  /** Set when scrubbing changed the payload: such an entry cannot be replayed. */
  dataRedacted?: true;
  /** snake_case: what to act on (`invalid_payload`, `needs_decision`, `iam_unavailable`, …). */
  reason: string;
  failedReason: string;
  attempts: number;
  /** The state the handler attached (e.g. a rotation journal), or null. */
  state: Record<string, unknown> | null;
  failedAt: string;
  replayedAt?: string;
  replayJobId?: string;
}

/** `dlq list --json` items and `GET /v1/dead-letter`: `{id, queue, name, data, reason, at}` and more. */
export interface DeadLetterEntry {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  reason: string;
  at: string;
  jobId: string;
  attempts: number;
  failedReason: string;
  state: Record<string, unknown> | null;
  replayed?: { at: string; jobId: string };
}

export function toEntry(job: Job<DeadLetterData>): DeadLetterEntry {
  const d = job.data;
  return {
    id: job.id ?? '',
    queue: d.queue,
    name: d.name,
    data: d.data,
    reason: d.reason,
    at: d.failedAt,
    jobId: d.jobId,
    attempts: d.attempts,
    failedReason: d.failedReason,
    state: d.state,
    ...(d.replayedAt === undefined
      ? {}
      : { replayed: { at: d.replayedAt, jobId: d.replayJobId ?? '' } }),
  };
}

/** The provider and account a failed job concerned, for its event; best effort on bad data. */
export function describeSubject(
  contract: JobContract | undefined,
  data: unknown,
): { provider: string; account: string | undefined } {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  let provider = typeof d.provider === 'string' ? d.provider : '';
  try {
    provider = contract?.provider?.(data) ?? provider;
  } catch {
    // The payload may be the very reason the job failed.
  }
  const account =
    typeof d.userName === 'string' && typeof d.kind === 'string'
      ? `${provider}/${d.userName}/${d.kind}`
      : undefined;
  return { provider, account };
}

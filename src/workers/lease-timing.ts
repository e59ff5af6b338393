/**
 * How the user lease's clocks fit together, all derived from its TTL (IAM_PAM_JOB_LOCK_MS), so
 * that a worker stops acting on a user before Redis can hand the user to another worker.
 *
 * - Redis lets the lease go at the earliest TTL after the last successful renewal was *sent*
 *   (Redis runs PEXPIRE after we send it), so the holder's own deadline is that send time + TTL
 *   − a margin, on the monotonic clock: no reply needed, no wall clock that can jump.
 * - Renewals go every fifth of the TTL, and each gives up after as long (the lease connection's
 *   command timeout, well below a third of the TTL): a silent link cannot hang them, and four
 *   may fail in a row before the deadline passes.
 * - An IAM mutation is sent only while the lease has more time left than the request's own
 *   timeout, so that timeout must fit in what is left after a renewal: half the TTL at most.
 */
import { DEFAULT_IAM_REQUEST_TIMEOUT_MS } from '../iam/create-iam-clients.ts';

export interface LeaseTiming {
  ttlMs: number;
  renewEveryMs: number;
  /** The lease connection's command timeout. */
  commandTimeoutMs: number;
  /** Taken off the deadline for timer lateness and clock-rate drift. */
  marginMs: number;
  /** The per-request timeout of the IAM clients a worker's jobs use. */
  iamRequestTimeoutMs: number;
}

export function leaseTiming(ttlMs: number): LeaseTiming {
  const renewEveryMs = Math.max(50, Math.floor(ttlMs / 5));
  return {
    ttlMs,
    renewEveryMs,
    commandTimeoutMs: renewEveryMs,
    marginMs: Math.floor(ttlMs / 10),
    iamRequestTimeoutMs: Math.min(DEFAULT_IAM_REQUEST_TIMEOUT_MS, Math.floor(ttlMs / 2)),
  };
}

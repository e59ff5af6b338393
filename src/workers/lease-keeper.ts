/**
 * Holds the lease on a job's IAM user for the whole run. It knows its own deadline: the send
 * time of the last successful renewal + TTL − a margin, on the monotonic clock (lease-timing.ts),
 * and a timer aborts the run when it passes — whether or not a renewal ever answers (a silent
 * link, a process paused past its TTL). Renewals also check that the job's BullMQ lock is still
 * ours, so a run whose job was handed to another worker stops. Releases at the end (only if
 * still ours).
 */
import { TransientError } from '../errors.ts';
import type { UserRef } from '../identifiers.ts';
import type { UserLease } from '../jobs/define-job.ts';
import type { Logger } from '../logger.ts';
import type { JobLock, UserLeases } from '../queue/user-lease.ts';
import { leaseTiming } from './lease-timing.ts';

export interface HeldLease {
  readonly lease: UserLease;
  /** Stops renewing and deletes the lease if it is still ours. */
  release(): Promise<void>;
  /**
   * For a run that would not stop: keeps renewing (the user only, the job has moved on) until
   * `running` settles, then releases; after `maxMs` it stops renewing and lets the TTL end it.
   */
  releaseWhenSettled(running: Promise<unknown>, maxMs: number): void;
}

export type HoldResult = { held: HeldLease } | { busyMs: number };

export interface HoldOptions {
  leases: UserLeases;
  user: UserRef;
  /** The BullMQ lock of the job the lease is held for. */
  jobLock?: JobLock | undefined;
  /** The lease is lost, or is about to be: the run must stop. Called at most once. */
  onLost: (err: TransientError) => void;
  /** The job's BullMQ lock is no longer ours; the user stays leased until the run stops. */
  onJobLockLost: () => void;
  log: Logger;
}

/** `held`: ours and renewed; `lost`: past its deadline or taken; `done`: released or given up. */
type LeaseState = 'held' | 'lost' | 'done';

export async function holdLease(options: HoldOptions): Promise<HoldResult> {
  const { leases, user, log } = options;
  const timing = leaseTiming(leases.ttlMs);
  const deadlineAfter = (sentAt: number) => sentAt + timing.ttlMs - timing.marginMs;
  const acquireSentAt = performance.now();
  const got = await leases.acquire(user);
  if (!got.acquired) {
    return { busyMs: got.busyMs };
  }
  const { token, value } = got;
  let deadline = deadlineAfter(acquireSentAt);
  let lastSentAt = acquireSentAt;
  let state: LeaseState = 'held';
  let jobLock = options.jobLock;
  let failing = false;
  let deadlineTimer: NodeJS.Timeout | undefined;

  const stop = (next: LeaseState) => {
    state = next;
    clearInterval(renewTimer);
    clearTimeout(deadlineTimer);
  };
  const lose = (why: string) => {
    if (state !== 'held') {
      return;
    }
    stop('lost');
    options.onLost(
      new TransientError('lease_lost', `the lease on IAM user ${user.userName} ${why}`, {
        detail: { fencingToken: token },
      }),
    );
  };
  const watchDeadline = () => {
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(
      () => {
        if (performance.now() < deadline) {
          watchDeadline();
          return;
        }
        const sinceMs = Math.round(performance.now() - lastSentAt);
        lose(
          `could not be renewed in time (the last renewal that got through was sent ${sinceMs} ms ago, the TTL is ${timing.ttlMs} ms): it may pass to another job, so this run stops`,
        );
      },
      Math.max(0, deadline - performance.now()),
    );
    deadlineTimer.unref();
  };
  // Each renewal gives up after the lease connection's command timeout, so they do not pile up;
  // one that overlaps a slow predecessor is harmless (the deadline only moves forward).
  const renew = () => {
    const sentAt = performance.now();
    leases.renew(user, value, jobLock).then(
      (outcome) => {
        failing = false;
        if (state !== 'held') {
          return;
        }
        if (outcome === 'lease_lost') {
          lose('passed to another job (or expired): this run stops');
        } else if (outcome === 'job_lock_lost') {
          // Not renewed: the next renewal, for the user alone, keeps it while the run stops.
          jobLock = undefined;
          options.onJobLockLost();
        } else {
          // Redis ran PEXPIRE after we sent it, so it keeps the lease at least this long.
          lastSentAt = Math.max(lastSentAt, sentAt);
          deadline = Math.max(deadline, deadlineAfter(sentAt));
          watchDeadline();
        }
      },
      (err: unknown) => {
        if (!failing && state === 'held') {
          log.warn(
            { err, remainingMs: Math.round(deadline - performance.now()) },
            'could not renew the user lease; the run stops at the lease deadline unless a renewal gets through',
          );
        }
        failing = true;
      },
    );
  };
  const renewTimer = setInterval(renew, timing.renewEveryMs);
  renewTimer.unref();
  watchDeadline();

  const remainingMs = () => (state === 'held' ? deadline - performance.now() : 0);
  const lease: UserLease = {
    user,
    fencingToken: token,
    value,
    remainingMs,
    assertTimeLeft(needMs) {
      const left = remainingMs();
      if (left > needMs) {
        return;
      }
      throw new TransientError(
        'lease_lost',
        left <= 0
          ? `the lease on IAM user ${user.userName} is no longer held by this job`
          : `the lease on IAM user ${user.userName} has ${Math.round(left)} ms left, less than the ${needMs} ms this call may take: refused, so that it cannot land after another job took the user`,
        { detail: { fencingToken: token, remainingMs: Math.round(left), needMs } },
      );
    },
    async assertHeld() {
      if (remainingMs() <= 0 || !(await leases.isHeld(user, value))) {
        throw new TransientError(
          'lease_lost',
          `the lease on IAM user ${user.userName} is no longer held by this job`,
          { detail: { fencingToken: token } },
        );
      }
    },
  };
  const releaseInRedis = () =>
    leases.release(user, value).catch((err: unknown) => {
      log.warn({ err }, 'could not release the user lease; it ends with its TTL');
    });
  return {
    held: {
      lease,
      async release() {
        stop('done');
        await releaseInRedis();
      },
      releaseWhenSettled(running, maxMs) {
        jobLock = undefined;
        const giveUp = setTimeout(() => {
          log.error(
            { maxMs },
            'a runaway handler still holds the IAM user after the limit: its lease ends with its TTL',
          );
          stop('done');
        }, maxMs);
        giveUp.unref();
        void running
          .catch(() => undefined)
          .then(async () => {
            clearTimeout(giveUp);
            if (state !== 'done') {
              stop('done');
              await releaseInRedis();
            }
          });
      },
    },
  };
}

/**
 * Holds the lease on a job's IAM user for the whole run: renews it every third of its TTL
 * (only while it is still ours), reports its loss so the run aborts, and releases it at the
 * end (only if still ours).
 */
import { TransientError } from '../errors.ts';
import type { UserRef } from '../identifiers.ts';
import type { UserLease } from '../jobs/define-job.ts';
import type { Logger } from '../logger.ts';
import type { UserLeases } from '../queue/user-lease.ts';

export interface HeldLease {
  readonly lease: UserLease;
  /** Stops renewing and deletes the lease if it is still ours. */
  release(): Promise<void>;
  /**
   * For a run that would not stop: keeps renewing until `running` settles, then releases; after
   * `maxMs` it stops renewing and lets the TTL end the lease.
   */
  releaseWhenSettled(running: Promise<unknown>, maxMs: number): void;
}

export type HoldResult = { held: HeldLease } | { busyMs: number };

export async function holdLease(
  leases: UserLeases,
  user: UserRef,
  onLost: (err: TransientError) => void,
  log: Logger,
): Promise<HoldResult> {
  const got = await leases.acquire(user);
  if (!got.acquired) {
    return { busyMs: got.busyMs };
  }
  const token = got.token;
  let lastRenewed = Date.now();
  let stopped = false;
  const lost = (why: string) => {
    stop();
    onLost(new TransientError('lease_lost', `the lease on IAM user ${user.userName} ${why}`));
  };
  const timer = setInterval(
    () => {
      leases.renew(user, token).then(
        (ours) => {
          if (stopped) {
            return;
          }
          if (ours) {
            lastRenewed = Date.now();
          } else {
            lost('passed to another job');
          }
        },
        (err: unknown) => {
          log.warn({ err }, 'could not renew the user lease');
          if (!stopped && Date.now() - lastRenewed >= leases.ttlMs) {
            lost('could not be renewed before it expired');
          }
        },
      );
    },
    Math.max(50, Math.floor(leases.ttlMs / 3)),
  );
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  const lease: UserLease = {
    user,
    fencingToken: token,
    async assertHeld() {
      if (stopped || !(await leases.isHeld(user, token))) {
        throw new TransientError(
          'lease_lost',
          `the lease on IAM user ${user.userName} is no longer held by this job`,
        );
      }
    },
  };
  return {
    held: {
      lease,
      async release() {
        stop();
        await leases.release(user, token).catch((err: unknown) => {
          log.warn({ err }, 'could not release the user lease; it ends with its TTL');
        });
      },
      releaseWhenSettled(running, maxMs) {
        const giveUp = setTimeout(() => {
          log.error(
            { maxMs },
            'a runaway handler still holds the IAM user after the limit: its lease ends with its TTL',
          );
          stop();
        }, maxMs);
        giveUp.unref();
        void running
          .catch(() => undefined)
          .then(async () => {
            clearTimeout(giveUp);
            if (!stopped) {
              stop();
              await leases.release(user, token).catch(() => undefined);
            }
          });
      },
    },
  };
}

/**
 * What the access-key rotation needs besides a run's ports (rotation-kind.ts): the account and
 * its provider's policy, the CreateAccessKey calls the audit saw, the old key's delayed
 * retirement, the `rotation.refused` event, and its metrics. Wired in src/app/production-jobs.ts.
 */
import type { AccountRef } from '../../../accounts/account-ref.ts';
import type { AccountStore } from '../../../accounts/account-store.ts';
import type { LifecyclePolicy } from '../../../providers/lifecycle-policy.ts';

/** The old key's retirement, later: `deactivate-old-key` or `delete-old-key`. */
export type RetirementJob = 'deactivate-old-key' | 'delete-old-key';

export interface RetirementTarget {
  provider: string;
  userName: string;
  accessKeyId: string;
}

export interface AccessKeyRotationDeps {
  accounts: Pick<AccountStore, 'require' | 'update'>;
  /** The provider's lifecycle policy and the actions its last validation found denied. */
  providerOf(providerId: string): Promise<{ policy: LifecyclePolicy; denied: readonly string[] }>;
  /**
   * When each CreateAccessKey for the account was sent since `since` (the audit's `attempted`
   * entries, written before each call): the windows a lost key may have been created in.
   */
  createAttempts(account: AccountRef, since: Date): Promise<Date[]>;
  /** Enqueues the old key's retirement `delayMs` from now (joins one already enqueued). */
  scheduleRetirement: (
    job: RetirementJob,
    target: RetirementTarget,
    delayMs: number,
  ) => Promise<void>;
  /**
   * The key the account's last finished rotation set out to retire (its plan's old key): ours
   * while it is being retired, even when its secret was never known (no vault `previous`).
   */
  retiringKeyOf: (account: AccountRef) => Promise<string | undefined>;
  /** The event `rotation.refused` (CONTRACT.md "Events"). */
  refused(
    account: AccountRef,
    jobId: string | undefined,
    detail: Record<string, unknown>,
  ): Promise<void>;
  /**
   * The audit entry of the old key's last use (GetAccessKeyLastUsed, where allowed): ISO, or
   * `null` when the key was never used.
   */
  lastUsed?(
    account: AccountRef,
    read: {
      accessKeyId: string;
      lastUsedAt: string | null;
      actor: string;
      jobId?: string | undefined;
    },
  ): Promise<void>;
  observe?: RotationObserver;
  /** How the verify poll waits (tests pass a fake clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** CreateAccessKey's own deadline, from the moment `create_sent` is recorded (default 15 s). */
  createDeadlineMs?: number;
}

/** Metrics hooks (src/metrics/rotation-metrics.ts). */
export interface RotationObserver {
  verifyWait(seconds: number, outcome: 'verified' | 'timeout'): void;
  keyPending(delta: 1 | -1): void;
}

/** IAM's per-request deadline (create-iam-clients.ts), the longest a lease lets one call take. */
export const DEFAULT_CREATE_DEADLINE_MS = 15_000;

/**
 * Typed reads of what the password steps journal (journal.ts keeps records as JSON). Field
 * names never contain "password": records and results are scrubbed by name, and these hold
 * no secret anyway (version ids, policies, request ids).
 */
import type { PasswordPolicy } from '../../../passwords/password-policy.ts';

/** CreateLoginProfile when the user had no console password at plan, else UpdateLoginProfile. */
export type ApplyAction = 'create' | 'update';

export interface PasswordPlanRecord {
  action: ApplyAction;
  /** The rules the password was generated against, and their one-line description. */
  policy: PasswordPolicy;
  policyDescription: string;
  /** What the account's own policy turned out to be (resolve-password-policy.ts). */
  accountPolicy: string;
  /** Why the policy is not the account's own (GetAccountPasswordPolicy denied). */
  policyNote?: string | undefined;
  /** PasswordResetRequired sent with the password (the lifecycle policy's). */
  resetRequired: boolean;
}

export interface StorePendingRecord {
  /** The vault version of the pending password (added by the step runner). */
  pendingVersionId: string;
  length: number;
}

export interface ApplyRecord {
  /** What IAM was finally asked: `update` also when a create found a profile already there. */
  action: ApplyAction;
  /** The vault version AWS now holds: the one `promote` makes current. */
  vaultVersionId: string;
  requestId?: string | undefined;
  /** Set when AWS refused the first password (PasswordPolicyViolation) and a fresh one went. */
  regenerated?: { unconfirmedVersionId: string; policyDescription: string } | undefined;
}

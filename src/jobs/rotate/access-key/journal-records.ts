/** Typed reads of what the access-key steps journaled (journal.ts keeps records as JSON). */

export interface PlanRecord {
  /** The account's key being replaced; absent when the user had none (a first managed key). */
  oldAccessKeyId?: string | undefined;
  /** The user's key ids once plan freed a slot. */
  keyIds: string[];
  removed: { accessKeyId: string; why: string }[];
  overlapSeconds: number;
  deleteGraceSeconds: number;
  verifyTimeoutSeconds: number;
  /** The old key's last use (ISO), `null` for never; absent where not allowed. */
  oldKeyLastUsedAt?: string | null | undefined;
}

export interface CreateSentRecord {
  sentAt: string;
  deadlineMs: number;
  /** Names this run's send: a run that does not know it lost the call's outcome. */
  nonce: string;
}

export interface CreateRecord {
  newAccessKeyId: string;
  pendingVersionId?: string | undefined;
  recoveredDeletedAccessKeyId?: string | undefined;
}

export { recordOf, requireRecord } from '../journal.ts';

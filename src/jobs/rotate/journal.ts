/**
 * The rotation journal port (DESIGN.md "Rotation, step by step"): the persisted state of one
 * rotation of one managed account, step by step, so a retry, a replay or another worker resumes
 * exactly where the last run stopped. At most one journal is open per account; closed ones are
 * kept as history. Every write is fenced by the caller's lease on the IAM user (invariant 5).
 * Nothing here ever holds a secret: key ids, version ids, times and AWS request ids only.
 * `src/rotation/redis-journal.ts` implements it on Redis.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { AccountKind } from '../../identifiers.ts';
import type { SecretValue } from '../../vault/secret-store.ts';
import type { Fence } from '../define-job.ts';

/** What a step recorded: ids, times, request ids, counts — JSON, never a secret. */
export type StepRecord = Readonly<Record<string, unknown>>;

/** One finished step, as journaled. */
export interface JournaledStep {
  /** snake_case, as the kind declares it (`intent`, `create_sent`, …). */
  readonly step: string;
  /** When the step finished (ISO-8601). */
  readonly at: string;
  /** How long it ran, ms. */
  readonly ms: number;
  /** The fencing token of the run that recorded it (logs only). */
  readonly fencingToken: number;
  readonly record: StepRecord;
}

export interface Journal {
  readonly rotationId: string;
  /** Canonical account reference (`prod/alice/access-key`, user lower-cased). */
  readonly account: string;
  readonly kind: AccountKind;
  /** Why it was asked for (`manual`, `schedule`, `heartbeat:key_missing`, …). */
  readonly reason: string;
  readonly startedAt: string;
  /** The job that opened it. */
  readonly jobId: string;
  /** The last step done; `opened` before the first. */
  readonly step: string;
  /** Finished steps, in order. */
  readonly steps: readonly JournaledStep[];
}

export type JournalOutcome = 'succeeded' | 'abandoned';

export interface ClosedJournal extends Journal {
  readonly closedAt: string;
  readonly outcome: JournalOutcome;
  /** The job whose run closed it: a run of that job killed right after can tell it is done. */
  readonly closedByJob?: string | undefined;
}

/** Who writes (the audit's actor and job) and the lease that proves it may. */
export interface JournalWriter {
  readonly fence: Fence;
  readonly actor: string;
  readonly jobId?: string | undefined;
}

/**
 * A secret to store as `pending` in the same atomic write as the step it completes (DESIGN.md
 * invariant 1: the new secret stored and `create` recorded, or neither).
 */
export interface PendingSecret {
  readonly value: SecretValue;
}

export interface JournalStore {
  /** The open journal of the account, if any. */
  read(account: AccountRef): Promise<Journal | undefined>;
  /**
   * Opens a journal unless one is open (then returns that one, `opened: false`): a resumed
   * rotation keeps its id, steps and reason.
   */
  open(
    account: AccountRef,
    start: { rotationId: string; reason: string; jobId: string },
    writer: JournalWriter,
  ): Promise<{ journal: Journal; opened: boolean }>;
  /**
   * Records `step` as done (with `pending` stored in the vault in the same script, when given;
   * its version id then lands in the record as `pendingVersionId`). A step already recorded is
   * left as it was: the journal as stored comes back, unchanged.
   */
  recordStep(
    journal: Journal,
    step: Omit<JournaledStep, 'fencingToken'>,
    writer: JournalWriter,
    pending?: PendingSecret,
  ): Promise<Journal>;
  /** Closes the journal into the history (the last 20 per account are kept). */
  close(journal: Journal, outcome: JournalOutcome, writer: JournalWriter): Promise<ClosedJournal>;
  /** Closed journals, newest first. */
  history(account: AccountRef, limit?: number): Promise<ClosedJournal[]>;
}

/** Closed journals kept per account. */
export const JOURNAL_HISTORY_LENGTH = 20;

/** What `step` recorded in the journal, if it is done (records are JSON: the caller names the type). */
export function recordOf<T>(journal: Journal, step: string): T | undefined {
  return journal.steps.find((done) => done.step === step)?.record as T | undefined;
}

/** A record an earlier step must have written: a journal without it is corrupt. */
export function requireRecord<T>(journal: Journal, step: string): T {
  const record = recordOf<T>(journal, step);
  if (record === undefined) {
    throw new Error(`rotation ${journal.rotationId}: step ${step} is not journaled`);
  }
  return record;
}

/**
 * What a kind of rotation (access key, password, a test kind) supplies: its steps, in order,
 * and its abandon hook. Each step is a plain function of its inputs and ports, written to
 * converge (run twice, it finds its work done and records the same outcome): the step runner
 * (step-runner.ts) journals each outcome before the next step starts, skips steps already
 * journaled, and owns the fence, the events, the failpoints and the journal.
 */
import type { Logger } from 'pino';

import type { AccountRef } from '../../accounts/account-ref.ts';
import type { AccountKind } from '../../identifiers.ts';
import type { CredentialVerifier, IamGateway } from '../../iam/iam-gateway.ts';
import type { SecretStore, SecretValue, WriteOptions } from '../../vault/secret-store.ts';
import type { ClosedJournal, Journal, StepRecord } from './journal.ts';

/** What steps and the abandon hook may use. */
export interface RotationPorts {
  /** The provider's IAM for this run: aborts with the run, paced, every mutation audited. */
  readonly iam: IamGateway;
  /** sts:GetCallerIdentity signed with a given key, through the provider's budget. */
  readonly verifier: CredentialVerifier;
  readonly vault: SecretStore;
  /** Pass these to every vault write: the run's fence, actor and job id. */
  readonly vaultWrite: WriteOptions;
  readonly now: () => Date;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export interface StepInput {
  readonly account: AccountRef;
  /** The journal so far: what earlier steps recorded (`journal.steps`). */
  readonly journal: Journal;
  /**
   * The journal's step when this run took it up (`opened` for one it opened): the steps after
   * it were journaled by this very run, so no earlier run can have acted on them (a password
   * rotation tells by it whether an earlier run may have sent its password).
   */
  readonly resumedAt: string;
  readonly reason: string;
}

export interface StepOutcome {
  /** Ids, times, request ids: journaled with the step. Never a secret. */
  readonly record?: StepRecord;
  /**
   * A new secret, stored as `pending` in the same atomic write that records the step
   * (DESIGN.md invariant 1); its version id is added to the record as `pendingVersionId`.
   */
  readonly pending?: SecretValue;
}

export interface RotationStep {
  /** snake_case; also names the failpoint `rotation:after-<name>`. */
  readonly name: string;
  run(input: StepInput, ports: RotationPorts): Promise<StepOutcome | void>;
}

/** What `abandon` answers besides the journal's id and step. */
export interface AbandonOutcome {
  readonly deletedAccessKeyId?: string | undefined;
  /** A password AWS may hold, kept in the vault as `unconfirmed` (its version id). */
  readonly unconfirmedVersionId?: string | undefined;
}

export interface RotationKind {
  readonly kind: AccountKind;
  readonly steps: readonly RotationStep[];
  /**
   * Ends a half-finished rotation (DESIGN.md "Abandon"): recover as a resumed run would, undo
   * what was never promoted, keep what AWS may hold. Called under the user's lease, with the
   * open journal; the runner closes the journal after it.
   */
  abandon(input: StepInput, ports: RotationPorts): Promise<AbandonOutcome>;
  /** Fields the job's result adds from the closed journal (e.g. `newAccessKeyId`). */
  result?(journal: ClosedJournal): Record<string, unknown>;
}

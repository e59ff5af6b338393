/**
 * One step of the demo: what it asks for, and a run that reports each thing it does as it
 * happens (real calls, their results and times). A step throws when the result is not what the
 * scenario expects. Steps share what earlier ones set up through the scenario.
 */
import type { AccountRef } from '../accounts/account-ref.ts';
import type { DemoEnvironment, RanJob } from './demo-environment.ts';

/** What the steps hand on to each other. */
export interface Scenario {
  /** The provider every step works on. */
  provider: string;
  /** The IAM user the provider signs as, and its key. */
  principal?: { userName: string; accessKeyId: string };
  /** The accounts imported, in order: two access keys, then a password. */
  accounts: AccountRef[];
  /** The access-key account made out of sync behind iam-pam's back. */
  outOfSync?: AccountRef;
}

export interface StepRun {
  demo: DemoEnvironment;
  scenario: Scenario;
  /** One line of the step's report, printed at once. */
  report: (line: string) => void;
}

export interface DemoStep {
  /** A short name (`provider`, `discovery`, …), also in the exit message of `--once`. */
  name: string;
  /** What the step asks for. */
  title: string;
  /** `skipped`: the step's feature is not in this build (said in its report, not a failure). */
  run(step: StepRun): Promise<'skipped' | void>;
}

/** Seconds with one decimal, for the report lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The job's result when it completed; throws naming the job's failure otherwise. */
export function completedResult<T>(what: string, ran: RanJob): T {
  if (ran.status.state !== 'completed') {
    throw new Error(
      `${what} ${ran.status.queue}/${ran.jobId} ${ran.status.state}: ${ran.status.failedReason ?? ran.status.reason ?? 'no reason given'}`,
    );
  }
  return ran.status.result as T;
}

/**
 * Runs a rotation's declared steps on its journal (DESIGN.md "Rotation, step by step"): opens
 * the account's journal or resumes the open one, skips the steps it records, runs the next
 * step, journals its outcome (fenced, with its pending secret when it has one), hits the
 * failpoint `rotation:after-<step>`, and so on to the end, where the journal closes (`done`).
 * A retry, a dead-letter replay or a takeover thus resumes exactly at the first step not
 * journaled. Also the other end of a rotation: `abandonRotation`.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { Failpoints } from '../../failpoints.ts';
import { stepFailpoint } from '../../failpoints.ts';
import type { JobProgress, JobResult } from '../define-job.ts';
import type { EmitEvent } from '../events.ts';
import type { ClosedJournal, Journal, JournalStore, JournalWriter } from './journal.ts';
import type { AbandonOutcome, RotationKind, RotationPorts } from './rotation-kind.ts';

/** The step that closes a journal; `rotation:after-done` follows it. */
export const DONE_STEP = 'done';

/** Every failpoint a kind's rotation hits, in order. */
export function failpointsOf(kind: RotationKind): string[] {
  return [...kind.steps.map((step) => step.name), DONE_STEP].map(stepFailpoint);
}

export interface RotationRun {
  readonly account: AccountRef;
  readonly reason: string;
  readonly jobId: string;
  readonly journals: JournalStore;
  readonly writer: JournalWriter;
  readonly ports: RotationPorts;
  readonly failpoints: Failpoints;
  readonly emit: EmitEvent;
  progress(progress: JobProgress): Promise<void>;
  /** The journal as it stands, for the dead-letter entry should this run end the job. */
  attachState(snapshot: Record<string, unknown>): void;
  newRotationId(): string;
}

/** The journal without the records' detail: what a dead-letter entry and progress show. */
function snapshotOf(journal: Journal): Record<string, unknown> {
  return {
    rotationId: journal.rotationId,
    account: journal.account,
    step: journal.step,
    steps: journal.steps.map(({ step, at, ms }) => ({ step, at, ms })),
  };
}

function resultOf(kind: RotationKind, closed: ClosedJournal): JobResult {
  return {
    account: closed.account,
    kind: closed.kind,
    rotationId: closed.rotationId,
    ...kind.result?.(closed),
    steps: closed.steps.map(({ step, at, ms }) => ({ step, at, ms })),
  };
}

export async function runRotation(kind: RotationKind, run: RotationRun): Promise<JobResult> {
  const { journals, writer, account } = run;
  if ((await journals.read(account)) === undefined) {
    // This job closed its rotation already and died before it could say so: done.
    const [last] = await journals.history(account, 1);
    if (last?.closedByJob === run.jobId && last.outcome === 'succeeded') {
      // Its event may not have gone out: at least once, then.
      await run.emit({
        type: 'rotation.succeeded',
        account: last.account,
        detail: { rotationId: last.rotationId, kind: last.kind, steps: last.steps.length },
      });
      return resultOf(kind, last);
    }
  }
  const start = { rotationId: run.newRotationId(), reason: run.reason, jobId: run.jobId };
  const { journal: opened, opened: isNew } = await journals.open(account, start, writer);
  let journal = opened;
  const event = {
    account: journal.account,
    detail: { rotationId: journal.rotationId, kind: kind.kind },
  };
  if (isNew) {
    await run.emit({
      type: 'rotation.started',
      ...event,
      detail: { ...event.detail, reason: run.reason },
    });
  } else {
    run.ports.log.info({ rotationId: journal.rotationId, step: journal.step }, 'rotation resumed');
  }
  run.attachState(snapshotOf(journal));
  for (const step of kind.steps) {
    if (journal.steps.some((done) => done.step === step.name)) {
      continue;
    }
    run.ports.signal.throwIfAborted();
    await run.progress({ step: step.name, rotationId: journal.rotationId });
    const startedAt = performance.now();
    const input = { account, journal, reason: journal.reason, resumedAt: opened.step };
    const outcome = (await step.run(input, run.ports)) ?? {};
    try {
      journal = await journals.recordStep(
        journal,
        {
          step: step.name,
          at: run.ports.now().toISOString(),
          ms: Math.round(performance.now() - startedAt),
          record: outcome.record ?? {},
        },
        writer,
        outcome.pending === undefined ? undefined : { value: outcome.pending },
      );
    } catch (err) {
      run.ports.log.warn(
        { rotationId: journal.rotationId, step: step.name, code: (err as { code?: string }).code },
        'journal write refused',
      );
      throw err;
    }
    run.attachState(snapshotOf(journal));
    run.ports.log.info(
      { rotationId: journal.rotationId, step: step.name, fencingToken: writer.fence.fencingToken },
      'rotation step done',
    );
    run.failpoints.hit(stepFailpoint(step.name));
  }
  const closed = await journals.close(journal, 'succeeded', writer);
  run.failpoints.hit(stepFailpoint(DONE_STEP));
  await run.emit({
    type: 'rotation.succeeded',
    ...event,
    detail: { ...event.detail, steps: closed.steps.length },
  });
  return resultOf(kind, closed);
}

export interface AbandonResult extends AbandonOutcome {
  readonly rotationId: string;
  readonly step: string;
}

/**
 * Abandons the open journal (DESIGN.md "Abandon"): the kind's hook undoes what it must, then
 * the journal closes as `abandoned`. The caller holds the user's lease (`writer.fence`) and has
 * checked that no rotation job is live. Undefined when no journal is open.
 */
export async function abandonRotation(
  kind: RotationKind,
  run: Pick<RotationRun, 'account' | 'journals' | 'writer' | 'ports' | 'emit'>,
): Promise<AbandonResult | undefined> {
  const journal = await run.journals.read(run.account);
  if (journal === undefined) {
    return undefined;
  }
  const outcome = await kind.abandon(
    { account: run.account, journal, reason: journal.reason, resumedAt: journal.step },
    run.ports,
  );
  await run.journals.close(journal, 'abandoned', run.writer);
  const result: AbandonResult = { rotationId: journal.rotationId, step: journal.step, ...outcome };
  await run.emit({
    type: 'rotation.abandoned',
    account: journal.account,
    detail: { kind: kind.kind, ...result },
  });
  return result;
}

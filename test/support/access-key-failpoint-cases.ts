/**
 * The access-key rotation's failpoint crash cases, on whichever backend the file's crash world
 * runs (test/support/access-key-crash.ts): the sandbox's and moto's files in test/crash and
 * test/slow share them. A failpoint `rotation:after-<step>` kills the worker (SIGKILL) once the
 * step is journaled, so these need no fault from the backend — what moto can show too.
 */
import { expect } from 'vitest';

import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, FAILPOINTS, REAL, type useAccessKeyCrash } from './access-key-crash.ts';
import { killAtEveryStep } from './kill-at-every-step.ts';

type AccessKeyCrash = ReturnType<typeof useAccessKeyCrash>;

/** The journal's step when the worker dies at a step's failpoint (`done` closes the journal). */
const stepAtDeath = (step: string) => (step === 'done' ? undefined : step);

/**
 * A worker armed with `rotation:after-<step>` dies there; a fresh worker with no failpoint
 * resumes the journaled rotation and finishes it: the end state holds.
 */
export async function expectKilledOnceAt(
  crash: AccessKeyCrash,
  step: string,
  userName: string,
): Promise<void> {
  const account = accountOf(userName);
  await crash.harness.killAll(); // an earlier case's worker would take the job unarmed
  await crash.harness.start({ failpoints: [`rotation:after-${step}`], env: REAL });
  const job = await crash.engine.enqueue(rotate, { ...account, reason: 'crash' });
  await crash.harness.nextDeath(60_000);
  expect((await crash.domain.journals.read(account))?.step).toBe(stepAtDeath(step));
  await crash.harness.start({ env: REAL });
  const status = await crash.engine.finished(job, 60_000);
  expect(status.state, status.failedReason).toBe('completed');
  expect(crash.harness.live()).toHaveLength(1);
  await crash.expectRotated(userName);
}

/**
 * Workers armed with every failpoint: each fresh one resumes at the journaled step and dies at
 * the next (a job BullMQ gives up on as worker_lost is replayed from the dead-letter); a worker
 * with none finishes: the end state holds.
 */
export async function expectKilledAtEveryStep(
  crash: AccessKeyCrash,
  userName: string,
): Promise<void> {
  await crash.harness.killAll();
  await crash.harness.start({ failpoints: FAILPOINTS, env: REAL });
  const job = await crash.engine.enqueue(rotate, { ...accountOf(userName), reason: 'crash' });
  const { seen, status } = await killAtEveryStep({
    engine: crash.engine,
    harness: crash.harness,
    deadLetter: crash.deadLetter,
    journals: crash.domain.journals,
    account: accountOf(userName),
    job,
    failpoints: FAILPOINTS,
    env: REAL,
  });
  expect(seen).toEqual([...ACCESS_KEY_STEPS, 'closed']);
  expect(status.state, status.failedReason).toBe('completed');
  await crash.expectRotated(userName);
}

/**
 * A rotation killed at every failpoint in turn on real worker processes (test/slow): the first
 * armed worker must be running; each fresh armed worker resumes at the journaled step and dies
 * at the next one; when BullMQ gives up on a job whose workers keep dying (worker_lost), it is
 * replayed from the dead-letter, as an operator would. After the last failpoint a worker with
 * none finishes the job. Returns the journal's step at each death and the job's end.
 */
import type { AccountRef } from '../../src/accounts/account-ref.ts';
import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import type { JournalStore } from '../../src/jobs/rotate/journal.ts';
import type { JobStatus } from '../../src/producers/job-status.ts';
import { sleep } from '../../src/sleep.ts';
import type { CrashHarness } from './crash-harness.ts';
import type { TestEngine } from './engine.ts';

export async function killAtEveryStep(options: {
  engine: TestEngine;
  harness: CrashHarness;
  deadLetter: { replay(id: string): Promise<EnqueuedJob> };
  journals: Pick<JournalStore, 'read'>;
  account: AccountRef;
  job: EnqueuedJob;
  failpoints: readonly string[];
  env: Record<string, string>;
}): Promise<{ seen: string[]; status: JobStatus }> {
  const { engine, harness, failpoints, env } = options;
  let job = options.job;
  const replayIfLost = async () => {
    const lost = (await engine.events.read({ limit: 10_000 })).find(
      (e) => e.type === 'job.dead_lettered' && e.jobId === job.jobId,
    );
    if (lost !== undefined) {
      job = await options.deadLetter.replay(String(lost.detail.id));
    }
  };
  const seen: string[] = [];
  for (let death = 0; death < failpoints.length; death += 1) {
    let died = false;
    const next = harness.nextDeath(90_000).then(() => {
      died = true;
    });
    const deadline = Date.now() + 90_000;
    while (!died && Date.now() < deadline) {
      await replayIfLost();
      await sleep(100);
    }
    await next;
    seen.push((await options.journals.read(options.account))?.step ?? 'closed');
    if (death < failpoints.length - 1) {
      void harness.start({ failpoints, env }).catch(() => undefined);
    }
  }
  await harness.start({ env });
  await replayIfLost();
  let status = await engine.finished(job, 60_000);
  if (status.state === 'failed') {
    await sleep(1_500); // the dead-letter reconciler runs every second
    await replayIfLost();
    status = await engine.finished(job, 60_000);
  }
  return { seen, status };
}

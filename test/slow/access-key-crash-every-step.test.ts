/**
 * The access-key rotation killed at every step's failpoint in turn on real worker processes
 * (each fresh worker resumes at the journaled step and dies at the next; BullMQ's worker_lost
 * replayed from the dead-letter as an operator would), then finished by a worker with no
 * failpoint: the end state holds (test/support/access-key-crash.ts). ~90 s: test/slow.
 */
import { describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { sleep } from '../../src/sleep.ts';
import { accountOf, FAILPOINTS, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const { engine, domain, deadLetter, harness, expectRotated, secretsInLogs } = useAccessKeyCrash([
  'chain',
]);

describe('an access-key rotation killed at every step', () => {
  it('each fresh worker resumes at the journaled step and dies at the next; the end state holds', async () => {
    await Promise.all([harness.start({ failpoints: FAILPOINTS, env: REAL })]);
    let job: EnqueuedJob = await engine.enqueue(rotate, { ...accountOf('chain'), reason: 'crash' });
    /** Workers that keep dying make BullMQ fail the job (worker_lost): replay it, as an operator. */
    const replayIfLost = async () => {
      const lost = (await engine.events.read({ limit: 10_000 })).find(
        (e) => e.type === 'job.dead_lettered' && e.jobId === job.jobId,
      );
      if (lost !== undefined) {
        job = await deadLetter.replay(String(lost.detail.id));
      }
    };
    const seen: string[] = [];
    for (let death = 0; death < FAILPOINTS.length; death += 1) {
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
      seen.push((await domain.journals.read(accountOf('chain')))?.step ?? 'closed');
      void harness.start({ failpoints: FAILPOINTS, env: REAL }).catch(() => undefined);
    }
    expect(seen).toEqual([...ACCESS_KEY_STEPS, 'closed']);
    await harness.killAll();
    await harness.start({ env: REAL });
    await replayIfLost();
    let status = await engine.finished(job, 60_000);
    if (status.state === 'failed') {
      await sleep(1_500); // the dead-letter reconciler runs every second
      await replayIfLost();
      status = await engine.finished(job, 60_000);
    }
    expect(status.state, status.failedReason).toBe('completed');
    await expectRotated('chain');
  }, 240_000);

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

/**
 * 200 access-key accounts rotated by 3 worker processes (the production kind) on the sandbox,
 * with 20 % of IAM requests answered `Throttling`, duplicates asked for while the rotations run
 * (each joins its live job: the same job id) and one worker SIGKILLed mid-run (the rotations
 * it was running are resumed by the others, as the workers' logs show; a replacement starts):
 * 200 rotations, each exactly once (one `rotation.succeeded` per account), and every account's
 * end state holds (test/support/access-key-crash.ts).
 */
import { describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const USERS = Array.from({ length: 200 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
const { engine, domain, harness, expectRotated, sandbox, secretsInLogs } = useAccessKeyCrash(USERS);

/** A worker's JSON log lines (other lines skipped). */
function logLines(stdout: string): { msg?: string; jobId?: string }[] {
  return stdout.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as { msg?: string; jobId?: string }];
    } catch {
      return [];
    }
  });
}

/** Journal steps after which a live rotation still has several IAM calls to make. */
const EARLY_STEPS = new Set(['opened', 'plan', 'intent', 'create_sent']);

describe('200 rotations by 3 workers, duplicates while running, a worker SIGKILLed, 20 % throttling', () => {
  it('rotates each account exactly once and every invariant holds', async () => {
    // A budget the sandbox can serve; each Throttling answer still holds the provider back.
    await domain.providers.put('prod', { credential: { type: 'chain' }, maxRps: 500 }, 'test');
    const workers = await Promise.all([1, 2, 3].map(() => harness.start({ env: REAL })));
    sandbox().faults.set({ throttleRate: 0.2 });
    const started = performance.now();
    const jobs = new Map<string, EnqueuedJob>();
    for (const userName of USERS) {
      jobs.set(userName, await engine.enqueue(rotate, { ...accountOf(userName), reason: 'load' }));
    }
    const queue = engine.queues.get('rotation');
    let running = true;
    let duplicates = 0;
    /**
     * While the rotations run: a duplicate for each account whose job is still waiting, or
     * active but early in its journal (so it cannot finish between the look and the enqueue);
     * each must join the live job.
     */
    const duplicator = (async () => {
      while (running) {
        for (const userName of USERS) {
          const first = jobs.get(userName);
          const state = await (await queue.getJob(first?.jobId ?? ''))?.getState();
          const journal = await domain.journals.read(accountOf(userName));
          const early =
            state === 'waiting' ||
            (state === 'active' && journal !== undefined && EARLY_STEPS.has(journal.step));
          if (!running || !early || Math.random() > 0.3) continue;
          const again = await engine.enqueue(rotate, { ...accountOf(userName), reason: 'dup' });
          expect(again.jobId, userName).toBe(first?.jobId);
          duplicates += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    // A third of the way through, a worker dies mid-rotation; a replacement comes up.
    const waitCompleted = async (n: number) => {
      while ((await queue.getCompletedCount()) < n) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await waitCompleted(USERS.length / 3);
    const victim = workers[0];
    if (victim === undefined) throw new Error('no worker');
    const activeAtKill = await queue.getActiveCount();
    await harness.kill(victim);
    await harness.start({ env: REAL });
    const statuses = await Promise.all(
      [...jobs.values()].map((job) => engine.finished(job, 540_000)),
    );
    running = false;
    await duplicator;
    const wallS = (performance.now() - started) / 1000;
    sandbox().faults.reset();
    const failed = statuses.filter((s) => s.state !== 'completed');
    expect(failed.map((s) => s.failedReason)).toEqual([]);
    for (const userName of USERS) {
      await expectRotated(userName);
    }
    expect(duplicates).toBeGreaterThan(0);
    // The killed worker's rotations were taken over mid-way: jobs it was running when it died
    // (its last line for the job a step done, no failure after it) that another worker resumed.
    const lastWords = new Map<string, string>();
    for (const line of logLines(victim.stdout())) {
      if (line.jobId !== undefined) lastWords.set(line.jobId, line.msg ?? '');
    }
    const resumedByOthers = new Set(
      harness
        .live()
        .flatMap((w) => logLines(w.stdout()))
        .filter((line) => line.msg === 'rotation resumed')
        .map((line) => line.jobId),
    );
    const takenOver = [...lastWords]
      .filter(([jobId, msg]) => msg === 'rotation step done' && resumedByOthers.has(jobId))
      .map(([jobId]) => jobId);
    expect(takenOver.length).toBeGreaterThan(0);
    const throttled = sandbox()
      .requests()
      .filter((r) => r.code === 'Throttling').length;
    process.stderr.write(
      `[access-key concurrency] 200 rotations, 3 workers (one SIGKILLed with ${activeAtKill} jobs active in the queue; ${takenOver.length} of its rotations resumed mid-way by the others), ${duplicates} duplicates while running, 20% throttling: ${wallS.toFixed(1)} s wall, ${throttled} throttled answers\n`,
    );
  }, 600_000);

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

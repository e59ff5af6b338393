/**
 * 200 access-key accounts rotated by 3 worker processes (the production kind) on the sandbox,
 * every rotation asked for twice (the duplicate joins the live job), with 20 % of IAM requests
 * answered `Throttling`: 200 rotations, each exactly once (one `rotation.succeeded` per
 * account), and every account's end state holds (test/support/access-key-crash.ts).
 */
import { describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const USERS = Array.from({ length: 200 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
const { engine, domain, harness, expectRotated, sandbox } = useAccessKeyCrash(USERS);

describe('200 rotations by 3 workers with duplicates and 20 % throttling', () => {
  it('rotates each account exactly once and every invariant holds', async () => {
    // A budget the sandbox can serve; each Throttling answer still holds the provider back.
    await domain.providers.put('prod', { credential: { type: 'chain' }, maxRps: 500 }, 'test');
    await Promise.all([1, 2, 3].map(() => harness.start({ env: REAL })));
    sandbox().faults.set({ throttleRate: 0.2 });
    const started = performance.now();
    const jobs: EnqueuedJob[] = [];
    for (const userName of USERS) {
      const first = await engine.enqueue(rotate, { ...accountOf(userName), reason: 'load' });
      const duplicate = await engine.enqueue(rotate, { ...accountOf(userName), reason: 'load' });
      expect(duplicate.jobId).toBe(first.jobId);
      jobs.push(first);
    }
    const statuses = await Promise.all(jobs.map((job) => engine.finished(job, 540_000)));
    const wallS = (performance.now() - started) / 1000;
    sandbox().faults.reset();
    const failed = statuses.filter((s) => s.state !== 'completed');
    expect(failed.map((s) => s.failedReason)).toEqual([]);
    for (const userName of USERS) {
      await expectRotated(userName);
    }
    const throttled = sandbox()
      .requests()
      .filter((r) => r.code === 'Throttling').length;
    process.stderr.write(
      `[access-key concurrency] 200 rotations, 3 workers, 20% throttling: ${wallS.toFixed(1)} s wall, ${throttled} throttled answers\n`,
    );
  }, 600_000);
});

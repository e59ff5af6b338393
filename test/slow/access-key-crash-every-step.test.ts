/**
 * The access-key rotation killed at every step's failpoint in turn on real worker processes
 * (each fresh worker resumes at the journaled step and dies at the next; BullMQ's worker_lost
 * replayed from the dead-letter as an operator would), then finished by a worker with no
 * failpoint: the end state holds (test/support/access-key-crash.ts). ~90 s: test/slow.
 */
import { describe, expect, it } from 'vitest';

import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, FAILPOINTS, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';
import { killAtEveryStep } from '../support/kill-at-every-step.ts';

const { engine, domain, deadLetter, harness, expectRotated, secretsInLogs } = useAccessKeyCrash([
  'chain',
]);

describe('an access-key rotation killed at every step', () => {
  it('each fresh worker resumes at the journaled step and dies at the next; the end state holds', async () => {
    await harness.start({ failpoints: FAILPOINTS, env: REAL });
    const job = await engine.enqueue(rotate, { ...accountOf('chain'), reason: 'crash' });
    const { seen, status } = await killAtEveryStep({
      engine,
      harness,
      deadLetter,
      journals: domain.journals,
      account: accountOf('chain'),
      job,
      failpoints: FAILPOINTS,
      env: REAL,
    });
    expect(seen).toEqual([...ACCESS_KEY_STEPS, 'closed']);
    expect(status.state, status.failedReason).toBe('completed');
    await expectRotated('chain');
  }, 240_000);

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

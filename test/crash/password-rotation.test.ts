/**
 * The password rotation killed on real worker processes (the production kind, a real Redis,
 * the sandbox) right after the pending password was stored, after `apply_sent`, and after
 * `apply` before `promote` (failpoints). Each ends with the vault's current password equal to
 * the one the sandbox holds, one apply audited with the vault version it sent, and no password
 * in any worker's output or in Redis (test/support/password-crash.ts). Killed while the
 * sandbox holds UpdateLoginProfile's response: test/slow/password-held-apply.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, usePasswordCrash } from '../support/password-crash.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

/**
 * Latest step first: the worker that takes over a killed rotation is the next case's, armed at
 * an earlier step the resumed rotation has passed, so each case needs one worker start.
 */
const CASES = [
  ['applied', 'apply'],
  ['sent', 'apply_sent'],
  ['pending', 'store_pending'],
] as const;

const { engine, domain, harness, passwords, startWorker, expectRotated, passwordsInLogs, sandbox } =
  usePasswordCrash(CASES.map(([userName]) => userName));

describe('a password rotation killed at each step without an IAM call', () => {
  it.each(CASES.map(([userName, step], i) => [userName, step, CASES[i + 1]?.[1]] as const))(
    'killed with user %s after rotation:after-%s: a fresh worker resumes there and the vault holds what AWS holds',
    async (userName, step, nextStep) => {
      if (harness.live().length === 0) {
        await startWorker([`rotation:after-${step}`]);
      }
      const job = await engine.enqueue(rotate, { ...accountOf(userName), reason: 'crash' });
      await harness.nextDeath();
      expect((await domain.journals.read(accountOf(userName)))?.step).toBe(step);
      // The fresh worker: the next case's, whose failpoint this rotation has passed already.
      await startWorker(nextStep === undefined ? [] : [`rotation:after-${nextStep}`]);
      const status = await engine.finished(job, 60_000);
      expect(status.state, status.failedReason).toBe('completed');
      const sent = await expectRotated(userName);
      // One apply: the killed run sent none (or its apply was journaled), the resumed one one.
      expect(sent).toHaveLength(1);
      const sends = sandbox()
        .requests()
        .filter((r) => r.action === 'UpdateLoginProfile' && r.params.UserName === userName);
      expect(sends).toHaveLength(1);
    },
    90_000,
  );

  it('no worker logged a password, and none is in Redis in plain text', async () => {
    expect(passwordsInLogs()).toEqual([]);
    expect(await scanForSecrets(engine.redis.redis, engine.redis.prefix, passwords)).toEqual([]);
  });
});

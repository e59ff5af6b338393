/**
 * The password rotation killed while the sandbox holds UpdateLoginProfile's response (applied,
 * answer not yet sent), on real worker processes: a fresh worker re-applies the same pending
 * password — the audit names the same vault version twice — and the vault's current password
 * is the one the sandbox holds (test/support/password-crash.ts). In `npm run test:slow`.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, usePasswordCrash } from '../support/password-crash.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const { engine, harness, passwords, startWorker, expectRotated, passwordsInLogs, sandbox } =
  usePasswordCrash(['held']);

describe('a password rotation killed while its apply’s answer is held', () => {
  it('re-applies the same vault version, and the vault holds what AWS holds', async () => {
    await startWorker();
    sandbox().faults.set({ holdAfter: [{ action: 'UpdateLoginProfile', times: 1 }] });
    const job = await engine.enqueue(rotate, { ...accountOf('held'), reason: 'crash' });
    const held = await sandbox().waitForRequest(
      (r) => r.action === 'UpdateLoginProfile' && r.held === true && r.params.UserName === 'held',
      { timeoutMs: 30_000 },
    );
    await harness.killAll();
    void startWorker().catch(() => undefined);
    sandbox().release(held.seq);
    const status = await engine.finished(job, 60_000);
    expect(status.state, status.failedReason).toBe('completed');
    const sent = await expectRotated('held');
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(sent[1]);
    const sends = sandbox()
      .requests()
      .filter((r) => r.action === 'UpdateLoginProfile' && r.params.UserName === 'held');
    expect(sends).toHaveLength(2);
  }, 90_000);

  it('no worker logged a password, and none is in Redis in plain text', async () => {
    expect(passwordsInLogs()).toEqual([]);
    expect(await scanForSecrets(engine.redis.redis, engine.redis.prefix, passwords)).toEqual([]);
  });
});

/**
 * The access-key rotation killed while the sandbox holds CreateAccessKey's response, on real
 * worker processes: the lost call's key is recovered (deleted), one more created, and the end
 * state holds (test/support/access-key-crash.ts). Killed at every step: test/slow.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const {
  engine,
  harness,
  oldKeys,
  expectRotated,
  secretsInLogs,
  sandbox: box,
} = useAccessKeyCrash(['held']);

describe('an access-key rotation killed while the sandbox holds CreateAccessKey', () => {
  it('recovers the lost key (deleted), creates one more, and ends with one working key', async () => {
    await harness.killAll();
    await harness.start({ env: REAL });
    box().faults.set({ holdAfter: [{ action: 'CreateAccessKey', times: 1 }] });
    const job = await engine.enqueue(rotate, { ...accountOf('held'), reason: 'crash' });
    const held = await box().waitForRequest(
      (r) => r.action === 'CreateAccessKey' && r.held === true && r.params.UserName === 'held',
      { timeoutMs: 30_000 },
    );
    await harness.killAll();
    void harness.start({ env: REAL }).catch(() => undefined);
    box().release(held.seq);
    expect(await engine.finished(job, 60_000)).toMatchObject({ state: 'completed' });
    await expectRotated('held');
    const creates = box()
      .requests()
      .filter((r) => r.action === 'CreateAccessKey' && r.params.UserName === 'held');
    expect(creates.filter((r) => r.seq >= held.seq)).toHaveLength(2);
    const deletes = box()
      .requests()
      .filter((r) => r.action === 'DeleteAccessKey' && r.params.UserName === 'held')
      .map((r) => r.params.AccessKeyId);
    expect(deletes).toContain(oldKeys.get('held'));
    expect(deletes).toHaveLength(2);
  }, 120_000);

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

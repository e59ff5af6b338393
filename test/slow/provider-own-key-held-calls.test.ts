/**
 * A provider's own key rotation killed while the sandbox holds the answer of each of its IAM
 * calls (holdAfter: applied, answer held): CreateAccessKey (signed with the old key), TagUser,
 * UpdateAccessKey, DeleteAccessKey and UntagUser (signed with the new one). The rotating worker
 * is SIGKILLed, a fresh one takes over, the answer is released; meanwhile another worker runs
 * validations and heartbeats for the provider and is never restarted. Each case ends with one
 * working key that every process signs with: both workers make a call with it, told apart by
 * their user agent (test/support/process-calls.ts), nothing signed with the old key reaches
 * IAM after its deactivation, and no other job failed (test/support/own-key.ts). The failpoint
 * steps: test/slow/provider-own-key-crash-every-step.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { ALL_QUEUES, OWN, REAL, useOwnKey } from '../support/own-key.ts';

const ACTIONS = [
  'CreateAccessKey',
  'TagUser',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'UntagUser',
] as const;

const {
  engine,
  harness,
  stream,
  currentOwnKey,
  expectOneWorkingKey,
  untilEachSigns,
  secretsInLogs,
  secretsInRedis,
  sandbox,
} = useOwnKey(['alice', 'bob']);

describe("a provider's own key rotation killed while the sandbox holds one of its IAM calls", () => {
  it.each(ACTIONS)(
    '%s held, the rotating worker killed: a fresh one finishes; one working key that every process uses',
    async (action) => {
      const box = sandbox();
      await harness.killAll();
      const [validator, rotating] = await Promise.all([
        harness.start({ env: REAL, queues: ['validate', 'heartbeat'] }),
        harness.start({ env: REAL }),
      ]);
      const old = await currentOwnKey();
      const other = stream({ everyMs: 300, kinds: ['validate', 'heartbeat'] });
      box.faults.set({ holdAfter: [{ action, times: 1 }] });
      const job = await engine.enqueue(rotate, { ...OWN, reason: 'crash' });
      const held = await box.waitForRequest(
        (r) => r.action === action && r.held === true && r.params.UserName === OWN.userName,
        { timeoutMs: 60_000 },
      );
      await harness.kill(rotating);
      const fresh = harness.start({ env: REAL, queues: ALL_QUEUES });
      expect(box.release(held.seq)).toBe(true);
      const status = await engine.finished(job, 90_000);
      expect(status.state, status.failedReason).toBe('completed');
      const current = await currentOwnKey();
      const since = box.requests().at(-1)?.seq ?? 0;
      const pids = [validator.child.pid ?? 0, (await fresh).child.pid ?? 0];
      await untilEachSigns(pids, current.accessKeyId, since);
      const statuses = await other.stop();
      expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
      await expectOneWorkingKey(old.accessKeyId);
      const creates = box
        .requests(held.seq - 1)
        .filter((r) => r.action === 'CreateAccessKey' && r.params.UserName === OWN.userName);
      // A lost CreateAccessKey answer: that key is deleted and one more created; else none.
      expect(creates).toHaveLength(action === 'CreateAccessKey' ? 2 : 0);
    },
    180_000,
  );

  it('no worker logged a secret, and none is in Redis in plaintext', async () => {
    expect(secretsInLogs()).toEqual([]);
    expect(await secretsInRedis()).toEqual([]);
  });
});

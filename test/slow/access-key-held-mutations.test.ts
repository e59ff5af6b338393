/**
 * The access-key rotation killed while the sandbox holds each of its other mutations'
 * responses (TagUser, UpdateAccessKey, DeleteAccessKey, UntagUser; CreateAccessKey is in
 * test/crash): every worker SIGKILLed, a fresh one takes over, the response is released; the
 * step is found done (or done again, converging) and the end state holds
 * (test/support/access-key-crash.ts). No mutation is applied twice with a different effect.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { accountOf, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const ACTIONS = ['TagUser', 'UpdateAccessKey', 'DeleteAccessKey', 'UntagUser'] as const;
const userOf = (action: string) => `held-${action.toLowerCase()}`;
const { engine, harness, expectRotated, secretsInLogs, sandbox } = useAccessKeyCrash(
  ACTIONS.map(userOf),
);

describe('an access-key rotation killed while the sandbox holds a mutation', () => {
  it.each(ACTIONS)(
    '%s held, every worker killed: a fresh worker finishes it',
    async (action) => {
      const userName = userOf(action);
      await harness.killAll();
      await harness.start({ env: REAL });
      sandbox().faults.set({ holdAfter: [{ action, times: 1 }] });
      const job = await engine.enqueue(rotate, { ...accountOf(userName), reason: 'crash' });
      const held = await sandbox().waitForRequest(
        (r) => r.action === action && r.held === true && r.params.UserName === userName,
        { timeoutMs: 30_000 },
      );
      await harness.killAll();
      void harness.start({ env: REAL }).catch(() => undefined);
      sandbox().release(held.seq);
      expect(await engine.finished(job, 90_000)).toMatchObject({ state: 'completed' });
      await expectRotated(userName);
      const creates = sandbox()
        .requests()
        .filter((r) => r.action === 'CreateAccessKey' && r.params.UserName === userName);
      // The user's setup key and the rotation's one key: no second key created.
      expect(creates).toHaveLength(2);
      if (action === 'TagUser') {
        // The resumed tag step lists the tags first and finds its tag: no second TagUser.
        const resumed = sandbox()
          .requests(held.seq)
          .filter((r) => r.params.UserName === userName)
          .map((r) => r.action);
        expect(resumed).toContain('ListUserTags');
        expect(resumed).not.toContain('TagUser');
      }
    },
    180_000,
  );

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

/**
 * A 10 s propagation delay on the sandbox (fault `propagationDelayMs`), a real worker process:
 * the rotation waits and succeeds. The sandbox's request log shows the verify polls signed with
 * the new key refused (InvalidClientTokenId) while the key is not yet valid, then one accepted,
 * and only after it the promotion's calls (TagUser, then the old key's UpdateAccessKey and
 * DeleteAccessKey). A delay past verifyTimeoutSeconds: test/integration/access-key-rotation.test.ts.
 * Over 10 s: test/slow.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import type { RequestLogEntry } from '../../src/sandbox/admin/request-log.ts';
import { accountOf, REAL, useAccessKeyCrash } from '../support/access-key-crash.ts';

const DELAY_MS = 10_000;
const crash = useAccessKeyCrash(['delayed']);

const arrival = (r: RequestLogEntry) => Date.parse(r.at);

describe('an access-key rotation under a 10 s propagation delay', () => {
  it('verify polls are refused during the delay, one passes after it, then the key is promoted', async () => {
    const box = crash.sandbox();
    await crash.harness.start({ env: REAL });
    box.faults.set({ propagationDelayMs: DELAY_MS });
    const from = box.requests().at(-1)?.seq ?? 0;
    const job = await crash.engine.enqueue(rotate, { ...accountOf('delayed'), reason: 'test' });
    const status = await crash.engine.finished(job, 120_000);
    box.faults.reset();
    expect(status.state, status.failedReason).toBe('completed');
    await crash.expectRotated('delayed');

    const result = status.result as {
      newAccessKeyId: string;
      steps: { step: string; at: string; ms: number }[];
    };
    const key = box
      .user('delayed')
      ?.accessKeys.find((k) => k.accessKeyId === result.newAccessKeyId);
    if (key === undefined) throw new Error('the new key is not in the sandbox');
    const validFrom = Date.parse(key.validFrom);
    expect(validFrom - Date.parse(key.createDate)).toBe(DELAY_MS);

    const log = box
      .requests(from)
      .filter((r) => r.params.UserName === 'delayed' || r.action === 'GetCallerIdentity');
    const polls = log.filter(
      (r) => r.action === 'GetCallerIdentity' && r.accessKeyId === result.newAccessKeyId,
    );
    const refused = polls.filter((r) => r.code === 'InvalidClientTokenId');
    const accepted = polls.filter((r) => r.status === 200);
    process.stderr.write(
      `[propagation delay] ${polls.length} verify polls: ${polls
        .map(
          (r) => `${((arrival(r) - Date.parse(key.createDate)) / 1000).toFixed(1)} s ${r.status}`,
        )
        .join(', ')}\n`,
    );
    // Refused while the key was not valid yet (backoff 0.5 s doubling: several in 10 s) …
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const poll of refused) expect(arrival(poll)).toBeLessThan(validFrom);
    // … then exactly one accepted, the last poll, once the delay had passed.
    expect(accepted).toHaveLength(1);
    expect(polls.at(-1)).toBe(accepted[0]);
    expect(polls).toHaveLength(refused.length + 1);
    const passed = accepted[0] as RequestLogEntry;
    expect(arrival(passed)).toBeGreaterThanOrEqual(validFrom - 50);
    // Nothing promoted or retired before the accepted poll; all of it after.
    const mutations = log.filter((r) =>
      ['TagUser', 'UpdateAccessKey', 'DeleteAccessKey', 'UntagUser'].includes(r.action ?? ''),
    );
    expect(mutations.map((r) => r.action)).toEqual([
      'TagUser',
      'UpdateAccessKey',
      'DeleteAccessKey',
      'UntagUser',
    ]);
    for (const call of mutations) expect(call.seq).toBeGreaterThan(passed.seq);
    const promote = result.steps.find((s) => s.step === 'promote');
    expect(Date.parse(promote?.at ?? '')).toBeGreaterThanOrEqual(arrival(passed));
    // The verify step itself waited the delay out (it started right after the create).
    expect(result.steps.find((s) => s.step === 'verify')?.ms).toBeGreaterThanOrEqual(
      DELAY_MS - 1_000,
    );
  }, 180_000);

  it('no worker logged a secret', () => {
    expect(crash.secretsInLogs()).toEqual([]);
  });
});

/**
 * A `linked` provider rotating its own key on real worker processes (DESIGN.md "The provider's
 * own key"): while 3 workers run a steady stream of other jobs for the provider, the key is
 * rotated and nothing signed with the old key reaches IAM after its deactivation, and no job
 * fails; a worker SIGSTOPped with a call signed with the old key in flight over the promotion
 * holds the deactivation back until the drain's timeout (the result says so), then recovers
 * through the retry of a superseded key's auth error; a worker killed right after promote
 * leaves the rotation to another, and every process ends on the one working key. Killed at
 * every step in turn: test/slow/provider-own-key-crash-every-step.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import { ALL_QUEUES, OWN, REAL, useOwnKey } from '../support/own-key.ts';
import { sleep } from '../../src/sleep.ts';
import { waitFor } from '../support/wait-for.ts';
import type { WorkerProcess } from '../support/worker-process.ts';

/** How long the sandbox keeps the SIGSTOP test's call before authenticating it. */
const HELD_MS = 6_000;
/** The validating and the rotating worker of the SIGSTOP test (the crash test keeps W). */
let w: WorkerProcess;
let r: WorkerProcess;
const {
  engine,
  domain,
  harness,
  stream,
  currentOwnKey,
  expectOneWorkingKey,
  secretsInLogs,
  secretsInRedis,
  sandbox,
} = useOwnKey(['alice', 'bob', 'carol', 'dave']);

describe('a provider rotating its own key, on real workers', () => {
  it('while 3 workers run other jobs for it: every process moves to the new key, nothing signed with the old one after its deactivation, no job failed', async () => {
    await Promise.all([1, 2, 3].map(() => harness.start({ env: REAL, queues: ALL_QUEUES })));
    const old = await currentOwnKey();
    const other = stream();
    await sleep(1_000);
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'test' });
    const rotated = await engine.finished(job, 60_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    await sleep(1_000); // the stream goes on with the new key
    const statuses = await other.stop();
    expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
    expect(statuses.length).toBeGreaterThan(20);
    const { current, deactivation, log } = await expectOneWorkingKey(old.accessKeyId);
    expect(rotated.result).toMatchObject({
      oldAccessKeyId: old.accessKeyId,
      newAccessKeyId: current.accessKeyId,
    });
    // After promotion only calls already in flight used the old key; after the rotation, only the new.
    const [closed] = await domain.journals.history(OWN, 1);
    const promotedAt = closed?.steps.find((s) => s.step === 'promote')?.at ?? '';
    const lateOld = log.filter((r) => r.accessKeyId === old.accessKeyId && r.at > promotedAt);
    process.stderr.write(
      `[own key] ${statuses.length} other jobs; old-key calls arriving after promote (in flight then): ${lateOld.length}; deactivated at request ${deactivation.seq}\n`,
    );
    const ownCalls = log.filter((r) => r.seq > deactivation.seq && r.accountId !== null);
    expect(ownCalls.filter((r) => r.accessKeyId === old.accessKeyId)).toEqual([]);
    expect(
      log.filter((r) => r.code === 'InvalidClientTokenId' && r.accessKeyId === old.accessKeyId),
    ).toEqual([]);
  }, 120_000);

  it('a worker SIGSTOPped with a call signed with the old key in flight holds deactivation back until the timeout, then recovers by retrying with the new key', async () => {
    await harness.killAll();
    const box = sandbox();
    // W validates (a long lock: its entry and its job stay its own while stopped); R rotates.
    [w, r] = await Promise.all([
      harness.start({ env: { ...REAL, IAM_PAM_JOB_LOCK_MS: '60000' }, queues: ['validate'] }),
      harness.start({ env: { ...REAL, IAM_PAM_KEY_DRAIN_TIMEOUT_S: '2' }, queues: ['rotation'] }),
    ]);
    const old = await currentOwnKey();
    const from = box.requests().at(-1)?.seq ?? 0;
    // The sandbox authenticates after its latency: W's call, signed with the old key, waits there.
    box.faults.set({ latencyMs: HELD_MS });
    const validation = await engine.enqueue(validateProvider, { provider: 'own' });
    const held = await box.waitForRequest(
      (r) => r.seq > from && r.accessKeyId === old.accessKeyId,
      { timeoutMs: 30_000 },
    );
    w.child.kill('SIGSTOP');
    box.faults.reset();
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'test' });
    const rotated = await engine.finished(job, 60_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    expect(rotated.result).toMatchObject({
      oldKeyInFlight: { timedOut: true, stillInFlight: [expect.any(String)] },
    });
    // Its call reaches IAM after the old key is gone: refused.
    await box.waitForRequest((r) => r.seq === held.seq && r.status === 403, { timeoutMs: 30_000 });
    w.child.kill('SIGCONT');
    const validated = await engine.finished(validation, 60_000);
    expect(validated.state, validated.failedReason).toBe('completed');
    expect(validated.attemptsMade).toBe(1); // retried inside the call, not as a job retry
    const current = await currentOwnKey();
    const after = box.requests(held.seq).filter((r) => r.action === held.action);
    expect(after.some((r) => r.accessKeyId === current.accessKeyId && r.status === 200)).toBe(true);
    const { deactivation } = await expectOneWorkingKey(old.accessKeyId);
    // The only old-key call after deactivation is the one that was in flight before it.
    expect(held.seq).toBeLessThan(deactivation.seq);
    const marginMs = HELD_MS - (Date.parse(deactivation.at) - Date.parse(held.at));
    process.stderr.write(
      `[own key] the held call's latency outlasted the deactivation by ${marginMs} ms\n`,
    );
  }, 120_000);

  it('a worker killed right after promote: another finishes the rotation, every process on the new key', async () => {
    // W (validate) stays for the stream; R makes way for a worker armed to die after promote.
    await harness.kill(r);
    await harness.start({ env: REAL, failpoints: ['rotation:after-promote'] });
    const old = await currentOwnKey();
    const other = stream({ kinds: ['validate'] });
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'crash' });
    // The successor starts once the armed worker holds the job, so it cannot take it first.
    await waitFor('the rotation to start', () => domain.journals.read(OWN), { timeoutMs: 30_000 });
    const successor = harness.start({ env: REAL });
    await harness.nextDeath(60_000);
    expect((await domain.journals.read(OWN))?.step).toBe('promote');
    await successor;
    const rotated = await engine.finished(job, 60_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    const statuses = await other.stop();
    expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
    await expectOneWorkingKey(old.accessKeyId);
  }, 120_000);

  it('no worker logged a secret, and none is in Redis in plaintext', async () => {
    expect(secretsInLogs()).toEqual([]);
    expect(await secretsInRedis()).toEqual([]);
  });
});

/**
 * A `linked` provider rotating its own key on real worker processes (DESIGN.md "The provider's
 * own key"): while 3 workers run a steady stream of other jobs for the provider, the key is
 * rotated; each worker, a real `iam-pam api` process and a CLI run — told apart in the
 * sandbox's request log by the process their user agent names — sign with the new key after
 * promotion without a restart, nothing signed with the old key reaches IAM after its
 * deactivation, and no job fails. A worker SIGSTOPped with a call signed with the old key held
 * by the sandbox (holdBefore: not yet authenticated) holds the deactivation back until the
 * drain's timeout (the result names it), then, its call released and refused, recovers through
 * the retry of a superseded key's auth error. A worker killed right after promote leaves the
 * rotation to another, and every process ends on the one working key. Killed at every step in
 * turn, and held at each IAM call: test/slow/provider-own-key-*.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { rotate } from '../../src/jobs/rotate/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import { ALL_QUEUES, OWN, REAL, useOwnKey } from '../support/own-key.ts';
import { callsOf, pidOf, startApi } from '../support/process-calls.ts';
import { spawnCli } from '../support/spawn-cli.ts';
import { waitFor } from '../support/wait-for.ts';
import type { WorkerProcess } from '../support/worker-process.ts';

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
  untilEachSigns,
  processEnv,
} = useOwnKey(['alice', 'bob', 'carol', 'dave']);
/** The api's route that manages an account of provider `own` (it reads IAM at once). */
const ADD = (userName: string) => `/v1/providers/own/accounts/${userName}/access-key`;

describe('a provider rotating its own key, on real workers', () => {
  it('while 3 workers run other jobs for it: each worker, the api and a CLI run sign with the new key after promotion, nothing with the old one after its deactivation, no job failed', async () => {
    const box = sandbox();
    for (const userName of ['spare-before', 'spare-after', 'spare-cli']) {
      box.asAdmin('CreateUser', { UserName: userName });
    }
    const t0 = performance.now();
    const phase: string[] = [];
    const mark = (name: string) =>
      phase.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const [api, ...workers] = await Promise.all([
      startApi(processEnv()),
      ...[1, 2, 3].map(() => harness.start({ env: REAL, queues: ALL_QUEUES })),
    ]);
    const pids = workers.map((worker) => worker.child.pid ?? 0);
    mark('processes up');
    const old = await currentOwnKey();
    const from = box.requests().at(-1)?.seq ?? 0;
    const other = stream();
    // Before: each worker and the api sign with the old key (account add reads IAM at once).
    await untilEachSigns(pids, old.accessKeyId, from);
    mark('each on the old key');
    expect((await api.call('PUT', ADD('spare-before'), {})).status).toBe(201);
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'test' });
    const rotated = await engine.finished(job, 60_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    mark('rotated');
    const current = await currentOwnKey();
    const afterRotation = box.requests().at(-1)?.seq ?? 0;
    // After: the same processes, not restarted, and a CLI run, each make a call.
    const cli = spawnCli(['account', 'add', 'own/spare-cli/access-key', '--json'], processEnv());
    const [added] = await Promise.all([
      api.call('PUT', ADD('spare-after'), {}),
      untilEachSigns(pids, current.accessKeyId, afterRotation),
    ]);
    mark('each on the new key');
    expect(added.status).toBe(201);
    expect(await cli.exited, cli.stderr()).toMatchObject({ code: 0 });
    expect(JSON.parse(cli.stdout())).toMatchObject({ account: 'own/spare-cli/access-key' });
    mark('cli done');
    const statuses = await other.stop();
    mark('stream done');
    expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
    expect(statuses.length).toBeGreaterThan(10);
    const { deactivation, log } = await expectOneWorkingKey(old.accessKeyId);
    expect(rotated.result).toMatchObject({
      oldAccessKeyId: old.accessKeyId,
      newAccessKeyId: current.accessKeyId,
    });
    const [closed] = await domain.journals.history(OWN, 1);
    const promotedAt = closed?.steps.find((s) => s.step === 'promote')?.at ?? '';
    const keys = [old.accessKeyId, current.accessKeyId];
    // Per process: the old key before promotion; after it the new one, and never the old one
    // again once it has signed with the new (only a call in flight at promotion may still use
    // it). The rotating worker's verify polls sign with the new key before: by design.
    for (const [name, pid] of [
      ...pids.map((p, i) => [`worker ${i + 1}`, p] as const),
      ['api', api.child.pid] as const,
    ]) {
      const calls = callsOf(log, pid, keys);
      const before = calls.filter((r) => r.at < promotedAt && r.accessKeyId === old.accessKeyId);
      expect(before.length, `${name} signed with the old key before promotion`).toBeGreaterThan(0);
      const after = calls.filter((r) => r.at > promotedAt);
      const firstNew = after.findIndex((r) => r.accessKeyId === current.accessKeyId);
      expect(firstNew, `${name} signed with the new key after promotion`).toBeGreaterThanOrEqual(0);
      expect(
        after.slice(firstNew).filter((r) => r.accessKeyId === old.accessKeyId),
        `${name} went back to the old key`,
      ).toEqual([]);
      expect(
        calls.filter((r) => r.seq > afterRotation).map((r) => r.accessKeyId),
        `${name} after the rotation`,
      ).toEqual(expect.arrayContaining([current.accessKeyId]));
    }
    const cliCalls = callsOf(log, cli.child.pid, keys);
    expect(cliCalls.map((r) => r.accessKeyId)).toEqual(cliCalls.map(() => current.accessKeyId));
    expect(cliCalls.map((r) => r.action)).toEqual(
      expect.arrayContaining(['GetUser', 'ListAccessKeys']),
    );
    const lateOld = log.filter((r) => r.accessKeyId === old.accessKeyId && r.at > promotedAt);
    process.stderr.write(
      `[own key] ${statuses.length} other jobs; old-key calls arriving after promote (in flight then): ${lateOld.length}; deactivated at request ${deactivation.seq}; ${phase.join(', ')}\n`,
    );
    const ownCalls = log.filter((r) => r.seq > deactivation.seq && r.accountId !== null);
    expect(ownCalls.filter((r) => r.accessKeyId === old.accessKeyId)).toEqual([]);
    expect(
      log.filter((r) => r.code === 'InvalidClientTokenId' && r.accessKeyId === old.accessKeyId),
    ).toEqual([]);
    api.child.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    const printed = [api, cli].map((p) => p.stdout() + p.stderr()).join('\n');
    expect(printed).not.toContain(old.secretAccessKey);
    expect(printed).not.toContain(current.secretAccessKey);
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
    // W's first call (GetCallerIdentity, signed with the old key) waits in the sandbox, not
    // yet authenticated, until the test lets it go on: after the old key is gone.
    box.faults.set({ holdBefore: [{ action: 'GetCallerIdentity', times: 1 }] });
    const validation = await engine.enqueue(validateProvider, { provider: 'own' });
    const held = await box.waitForRequest(
      (r) => r.held === true && r.accessKeyId === old.accessKeyId,
      { timeoutMs: 30_000 },
    );
    w.child.kill('SIGSTOP');
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'test' });
    const rotated = await engine.finished(job, 60_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    expect(rotated.result).toMatchObject({
      oldKeyInFlight: {
        timedOut: true,
        stillInFlight: [expect.stringContaining(`:${w.child.pid}:`)],
      },
    });
    // Its call goes on after the old key is gone: refused.
    expect(box.release(held.seq)).toBe(true);
    await box.waitForRequest((r) => r.seq === held.seq && r.status === 403, { timeoutMs: 30_000 });
    w.child.kill('SIGCONT');
    const validated = await engine.finished(validation, 60_000);
    expect(validated.state, validated.failedReason).toBe('completed');
    expect(validated.attemptsMade).toBe(1); // retried inside the call, not as a job retry
    const current = await currentOwnKey();
    expect(pidOf(held)).toBe(w.child.pid);
    const after = callsOf(box.requests(held.seq), w.child.pid, [current.accessKeyId]);
    expect(after.find((r) => r.action === held.action)?.status).toBe(200);
    const { deactivation } = await expectOneWorkingKey(old.accessKeyId);
    // The only old-key call after deactivation is the one that was in flight before it.
    expect(held.seq).toBeLessThan(deactivation.seq);
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

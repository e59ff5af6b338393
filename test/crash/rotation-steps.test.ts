/**
 * A rotation on the step runner (the test kind: plan, tag_first, store_pending, tag_second; two
 * TagUser mutations) crashed on real worker processes and a real Redis: killed at every step's
 * failpoint (BullMQ failing it `worker_lost` after the third death, a dead-letter replay going
 * on), killed while the sandbox holds each mutation's response, and paused past its lease.
 * Each run resumes at the journaled step, the sandbox's request log shows no mutation applied
 * twice, every mutation is audited and settled, and a paused worker writes nothing.
 */
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AccountRef } from '../../src/accounts/account-ref.ts';
import { createDeadLetterOf, createQueueServices } from '../../src/app/queue-services.ts';
import { createDomain } from '../../src/domain.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { failpointsOf } from '../../src/jobs/rotate/step-runner.ts';
import { jobContracts } from '../../src/jobs/registry.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { createCrashHarness } from '../support/crash-harness.ts';
import { useEngine } from '../support/engine.ts';
import { rotationPause } from '../support/rotation-pause.ts';
import { spawnCli } from '../support/spawn-cli.ts';
import { createTestRotationKind, FIRST_TAG, SECOND_TAG } from '../support/test-rotation-kind.ts';
import { waitFor } from '../support/wait-for.ts';

const engine = useEngine({ noWorker: true });
const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
const services = createQueueServices({ redis: engine.producer, config: engine.config });
const deadLetter = createDeadLetterOf(services, { contracts: jobContracts, log: engine.log });
let sandbox: Sandbox;
const harness = createCrashHarness(engine, () => sandbox);
const FAILPOINTS = failpointsOf(createTestRotationKind());
const USERS = ['chain', 'held', 'held2', 'fenced'];

const accountOf = (userName: string): AccountRef => ({
  provider: 'prod',
  userName,
  kind: 'access-key',
});

beforeAll(async () => {
  sandbox = await createSandbox();
  const iam = new IAMClient({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.adminCredentials,
  });
  await domain.unlockVault();
  // The workers reach the sandbox with their environment's AWS settings.
  await engine.addProvider('prod', { endpoint: undefined, credentials: 'chain' });
  for (const userName of USERS) {
    const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
    const now = new Date().toISOString();
    await domain.accounts.create({
      ...accountOf(userName),
      account: `prod/${userName}/access-key`,
      status: 'managed',
      userId: User?.UserId ?? '',
      secretKnown: false,
      importedAt: now,
      updatedAt: now,
    });
  }
  iam.destroy();
});

afterAll(async () => {
  await harness.stopAll();
  await services.close();
  domain.close();
  await sandbox.close();
});

/** TagUser requests the sandbox applied for `userName`, with the tag key each sent. */
function tagUsers(userName: string) {
  return sandbox
    .requests()
    .filter((r) => r.action === 'TagUser' && r.params.UserName === userName && r.status === 200)
    .map((r) => r.params['Tags.member.1.Key']);
}

/** Starts a replacement worker in the background, so a death always leaves one to take over. */
function replace(failpoints: readonly string[] = []): void {
  void harness.start({ failpoints }).catch(() => undefined);
}

/** Where the account's rotation stands: the open journal's step, or `closed`. */
async function stepOf(userName: string): Promise<string> {
  return (await domain.journals.read(accountOf(userName)))?.step ?? 'closed';
}

describe('a rotation killed at every step', () => {
  it('resumes at the journaled step each time, through worker_lost and a replay, applying each mutation once', async () => {
    await Promise.all([
      harness.start({ failpoints: FAILPOINTS }),
      harness.start({ failpoints: FAILPOINTS }),
    ]);
    const first = await engine.enqueue(rotate, { ...accountOf('chain'), reason: 'crash-test' });
    const expected = ['plan', 'tag_first', 'store_pending'];
    for (const step of expected) {
      await harness.nextDeath();
      expect(await stepOf('chain')).toBe(step);
      replace(FAILPOINTS);
    }
    // Three deaths: BullMQ fails the job (its workers kept dying), the journal stays open.
    const lost = await harness.waitForEvent(
      (e) => e.type === 'job.dead_lettered' && e.jobId === first.jobId,
    );
    expect(lost.detail).toMatchObject({ reason: 'worker_lost' });
    const entry = await deadLetter.show(String(lost.detail.id));
    expect(entry).toMatchObject({ reason: 'worker_lost', name: 'rotate' });
    expect(await stepOf('chain')).toBe('store_pending');

    const replayed = await deadLetter.replay(entry.id);
    await harness.nextDeath();
    expect(await stepOf('chain')).toBe('tag_second');
    replace(FAILPOINTS);
    await harness.nextDeath();
    expect(await stepOf('chain')).toBe('closed');
    replace(FAILPOINTS);
    const done = await engine.finished({ queue: 'rotation', jobId: replayed.jobId }, 30_000);
    expect(done).toMatchObject({
      state: 'completed',
      result: { account: 'prod/chain/access-key', tags: 2 },
    });

    expect(tagUsers('chain')).toEqual([FIRST_TAG, SECOND_TAG]);
    const [closed, ...older] = await domain.journals.history(accountOf('chain'));
    expect(older).toEqual([]);
    expect(closed?.steps.map((s) => s.step)).toEqual([...expected, 'tag_second']);
    expect(closed?.closedByJob).toBe(replayed.jobId);
    const audited = (await domain.audit.list({ account: 'prod/chain/access-key', limit: 50 }))
      .filter((e) => e.action === 'TagUser')
      .reverse();
    expect(audited.map((e) => e.outcome)).toEqual([
      'attempted',
      'succeeded',
      'attempted',
      'succeeded',
    ]);
    expect(audited[1]).toMatchObject({ jobId: first.jobId, requestId: expect.any(String) });
  }, 120_000);
});

/**
 * Two kills of one job leave it one stall short of worker_lost: a 3 s lock here, so a worker
 * slowed by a busy machine is not also taken for dead (its IAM calls then time out after 1.5 s).
 */
const HELD = { env: { IAM_PAM_JOB_LOCK_MS: '3000' } };

describe('a rotation killed while the sandbox holds a mutation', () => {
  it('resumes at the step whose response was lost, applies nothing twice, and settles the audit', async () => {
    const { redis } = engine.redis;
    await harness.killAll();
    await harness.start(HELD);
    // One rotation per mutating step, each killed once (a margin of one stall before worker_lost).
    for (const [userName, tag] of [
      ['held', FIRST_TAG],
      ['held2', SECOND_TAG],
    ] as const) {
      const hold = () => sandbox.faults.set({ holdAfter: [{ action: 'TagUser', times: 1 }] });
      // Before tag_second, the run waits until its first TagUser has passed unheld.
      const pause = rotationPause(engine.redis.prefix)('tag_second', userName);
      if (tag === SECOND_TAG) {
        await redis.set(pause.pause, '1');
      } else {
        hold();
      }
      const job = await engine.enqueue(rotate, accountOf(userName));
      if (tag === SECOND_TAG) {
        await waitFor('the run to reach tag_second', async () =>
          (await redis.exists(pause.paused)) === 1 ? true : undefined,
        );
        hold();
        await redis.del(pause.pause);
      }
      const held = await sandbox.waitForRequest(
        (r) =>
          r.action === 'TagUser' &&
          r.held === true &&
          r.params.UserName === userName &&
          r.params['Tags.member.1.Key'] === tag,
        { timeoutMs: 30_000 },
      );
      // At once, before the SDK's own timeout would send it again: every worker (one holds it).
      await harness.killAll();
      const account = `prod/${userName}/access-key`;
      // A mutation whose answer never came: attempted, not settled.
      const trail = await domain.audit.list({ account, limit: 20 });
      expect(trail.find((e) => e.action === 'TagUser')).toMatchObject({
        outcome: 'attempted',
        jobId: job.jobId,
        detail: { tagKeys: [tag] },
      });
      void harness.start(HELD).catch(() => undefined);
      sandbox.release(held.seq);
      const status = await engine.finished(job, 30_000);
      expect({ state: status.state, failedReason: status.failedReason }).toEqual({
        state: 'completed',
        failedReason: undefined,
      });
      expect(tagUsers(userName)).toEqual([FIRST_TAG, SECOND_TAG]);
      const entries = await domain.audit.list({ account, limit: 50 });
      const attempts = entries.filter((e) => e.action === 'TagUser' && e.outcome === 'attempted');
      expect(attempts).toHaveLength(2);
      for (const attempt of attempts) {
        expect(entries.find((e) => e.settles === attempt.id)).toMatchObject({
          outcome: expect.stringMatching(/^(succeeded|unknown)$/),
        });
      }
      // The held one is settled by the run that resumed it.
      const heldAttempt = attempts.find((e) => (e.detail?.tagKeys as string[])[0] === tag);
      expect(entries.find((e) => e.settles === heldAttempt?.id)).toMatchObject({
        outcome: 'unknown',
        detail: { settledOnResume: true, attemptedByJob: job.jobId },
      });
    }
  });
});

describe('a worker paused past its lease', () => {
  it('cannot write the journal or the vault once resumed (lease_lost), after another finished the rotation', async () => {
    const pause = rotationPause(engine.redis.prefix)('store_pending', 'fenced');
    const { redis } = engine.redis;
    await redis.set(pause.pause, '1');
    while (harness.live().length < 2) {
      await harness.start();
    }
    const job = await engine.enqueue(rotate, accountOf('fenced'));
    const pid = await waitFor('the run to pause before store_pending', async () => {
      const value = await redis.get(pause.paused);
      return value === null ? undefined : Number(value);
    });
    const paused = harness.live().find((worker) => worker.child.pid === pid);
    paused?.child.kill('SIGSTOP');
    await redis.del(pause.pause);
    expect(await engine.finished(job, 30_000)).toMatchObject({ state: 'completed' });
    const owner = 'prod/fenced/access-key';
    const before = {
      vault: await domain.vault.versions(owner),
      history: await domain.journals.history(accountOf('fenced')),
    };
    expect(before.history).toHaveLength(1);

    paused?.child.kill('SIGCONT');
    const refused = await waitFor(
      'the paused run to try its journal write',
      () =>
        paused?.lines.find(
          (line) => line.msg === 'journal write refused' && line.jobId === job.jobId,
        ),
      { timeoutMs: 20_000 },
    );
    expect(refused).toMatchObject({ step: 'store_pending', code: 'lease_lost' });
    expect(await domain.vault.versions(owner)).toEqual(before.vault);
    expect(await domain.journals.history(accountOf('fenced'))).toEqual(before.history);
    expect(await domain.journals.read(accountOf('fenced'))).toBeUndefined();
  });
});

describe('failpoint names', () => {
  it('come from the steps the jobs declare: a worker armed with an undeclared one stops at start (exit 2)', async () => {
    const worker = spawnCli(
      ['--queues', 'rotation'],
      {
        ...engine.redis.env,
        IAM_PAM_FAILPOINTS: 'rotation:after-lunch',
        IAM_PAM_WORKER_HTTP_PORT: '0',
      },
      'test/support/test-worker.ts',
    );
    expect((await worker.exited).code).toBe(2);
    expect(worker.stderr()).toMatch(
      /IAM_PAM_FAILPOINTS: unknown failpoint "rotation:after-lunch": no job this worker runs has that step \(known: rotation:after-plan, rotation:after-tag_first,/,
    );
  });
});

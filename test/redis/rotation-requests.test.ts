/**
 * Asking for, refusing, joining and abandoning rotations, and removing an account, against a
 * real Redis (DESIGN.md "Abandon"): a half-finished journal with no live job refuses a new
 * rotation (`rotation_in_progress`, event `rotation.refused`); a live job is joined (promoted
 * out of its delay); abandon is refused while a job is live, otherwise calls the kind's hook
 * under the user's lease and closes the journal; `account remove` is refused while a journal
 * is open.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { removeAccount } from '../../src/accounts/account-actions.ts';
import type { AccountRef } from '../../src/accounts/account-ref.ts';
import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createDomain } from '../../src/domain.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import type { RotationKind } from '../../src/jobs/rotate/rotation-kind.ts';
import { createRotationRequests } from '../../src/producers/rotation-requests.ts';
import { createUserLeases } from '../../src/queue/user-lease.ts';
import { abandonOpenRotation } from '../../src/rotation/abandon.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { useEngine } from '../support/engine.ts';

const TOKEN = 'admin-token-rotation-0123';
// No worker serves the rotation queue: the jobs these tests enqueue stay where they are.
const engine = useEngine({
  noWorker: true,
  env: { IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin` },
});
const cli = createCliRunner({
  ...engine.redis.env,
  IAM_PAM_MASTER_KEY: engine.config.vault.masterKey ?? '',
});
let api: ApiRuntime;
let app: FastifyInstance;
beforeAll(async () => {
  api = await startApiRuntime({
    config: engine.config,
    log: engine.log,
    contracts: [],
    listen: false,
  });
  app = api.app;
});
afterAll(async () => {
  await api.close();
  domain.close();
});
const post = (url: string) =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${TOKEN}` } });
const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
const rotations = createRotationRequests({
  queues: engine.queues,
  enqueue: engine.enqueue,
  journals: domain.journals,
  events: engine.events,
});
const leases = createUserLeases({
  redis: engine.redis.redis,
  keys: engine.keys,
  ttlMs: 10_000,
  waitForReplicas: async () => undefined,
});
const hookCalls: string[] = [];
const testKind: RotationKind = {
  kind: 'access-key',
  steps: [],
  async abandon({ journal }) {
    hookCalls.push(journal.rotationId);
    return { deletedAccessKeyId: 'AKIAABANDONED0000001' };
  },
};

async function manage(userName: string): Promise<AccountRef> {
  const account: AccountRef = { provider: 'prod', userName, kind: 'access-key' };
  const now = new Date().toISOString();
  await domain.accounts.create({
    ...account,
    account: `prod/${userName}/access-key`,
    status: 'managed',
    userId: `AIDA${userName.toUpperCase()}`,
    secretKnown: false,
    importedAt: now,
    updatedAt: now,
  });
  return account;
}

/** A rotation stopped half-way: its journal open at `intent`, no job working on it. */
async function halfFinished(account: AccountRef, rotationId: string) {
  const got = await leases.acquire(account);
  if (!got.acquired) {
    throw new Error('leased');
  }
  const writer = {
    fence: { user: account, fencingToken: got.token, value: got.value },
    actor: 'test',
  };
  const { journal } = await domain.journals.open(
    account,
    { rotationId, reason: 'manual', jobId: 'gone' },
    writer,
  );
  await domain.journals.recordStep(
    journal,
    { step: 'intent', at: 'now', ms: 1, record: {} },
    writer,
  );
  await leases.release(account, got.value);
}

const abandonDeps = () => ({
  domain,
  kinds: { 'access-key': testKind },
  rotations,
  leases,
  events: engine.events,
  log: engine.log,
});

describe('rotation requests', () => {
  it('refuse a rotation while a journal is open and no job works on it (rotation_in_progress)', async () => {
    const account = await manage('refused');
    await halfFinished(account, 'r-refused');
    await expect(rotations.request(account, 'manual')).rejects.toMatchObject({
      code: 'rotation_in_progress',
    });
    expect(await engine.queues.get('rotation').getJobCounts()).toMatchObject({
      waiting: 0,
      delayed: 0,
    });
    const events = await engine.events.read({ limit: 1000 });
    expect(events.find((e) => e.type === 'rotation.refused')).toMatchObject({
      account: 'prod/refused/access-key',
      detail: { reason: 'rotation_in_progress', rotationId: 'r-refused', step: 'intent' },
    });
    // Removing the account would drop the pending secret: refused too.
    await expect(removeAccount(domain, account, 'test')).rejects.toMatchObject({
      code: 'rotation_in_progress',
    });
    expect(await domain.accounts.get(account)).toBeDefined();
  });

  it('join a live job, promoting it out of its delay, even with a journal open', async () => {
    const account = await manage('joined');
    const delayed = await engine.enqueue(
      rotate,
      { ...account, reason: 'schedule' },
      { delayMs: 3_600_000 },
    );
    await halfFinished(account, 'r-joined');
    const joined = await rotations.request(account, 'manual');
    expect(joined.jobId).toBe(delayed.jobId);
    expect(await engine.queues.get('rotation').getJobState(delayed.jobId)).toBe('waiting');
    expect(await rotations.liveJob(account)).toMatchObject({ jobId: delayed.jobId });

    // Abandon is refused while that job is live.
    await expect(abandonOpenRotation(abandonDeps(), account, 'cli:test')).rejects.toMatchObject({
      code: 'rotation_in_progress',
    });
    expect(hookCalls).toEqual([]);
  });

  it('abandon calls the kind hook under the lease, closes the journal, then the account may go', async () => {
    const account = await manage('abandoned');
    await halfFinished(account, 'r-abandoned');
    const outcome = await abandonOpenRotation(abandonDeps(), account, 'cli:test');
    expect(outcome).toEqual({
      account: 'prod/abandoned/access-key',
      abandoned: {
        rotationId: 'r-abandoned',
        step: 'intent',
        deletedAccessKeyId: 'AKIAABANDONED0000001',
      },
    });
    expect(hookCalls).toEqual(['r-abandoned']);
    expect(await domain.accounts.get(account)).toMatchObject({
      status: 'managed',
      lastRotation: { state: 'abandoned' },
    });
    expect(await domain.journals.read(account)).toBeUndefined();
    expect((await domain.journals.history(account))[0]).toMatchObject({ outcome: 'abandoned' });
    const events = await engine.events.read({ limit: 1000 });
    expect(events.find((e) => e.type === 'rotation.abandoned')).toMatchObject({
      account: 'prod/abandoned/access-key',
      detail: { rotationId: 'r-abandoned' },
    });
    // Nothing left to abandon; a new rotation is no longer refused; the account may go.
    await expect(abandonOpenRotation(abandonDeps(), account, 'cli:test')).rejects.toMatchObject({
      code: 'conflict',
    });
    await removeAccount(domain, account, 'test');
    expect(await domain.accounts.get(account)).toBeUndefined();
  });

  it('are refused over HTTP (409) and by the CLI (exit 1) as rotation_in_progress', async () => {
    const half = await manage('surface');
    await halfFinished(half, 'r-surface');
    const refused = await post('/v1/providers/prod/accounts/surface/access-key/rotate');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'rotation_in_progress' } });
    const byCli = await cli(['rotate', 'prod/surface/access-key']);
    expect(byCli.code).toBe(1);
    expect(byCli.stderr).toMatch(/rotation_in_progress|rotation r-surface stopped at step intent/);

    // With a job live: a rotation joins it, abandon is refused.
    const live = await manage('surface-live');
    const first = await post('/v1/providers/prod/accounts/surface-live/access-key/rotate');
    expect(first.statusCode).toBe(202);
    const again = await cli(['rotate', 'prod/surface-live/access-key', '--json']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.json()).toEqual(first.json());
    await halfFinished(live, 'r-surface-live');
    const abandon = await post(
      '/v1/providers/prod/accounts/surface-live/access-key/rotate/abandon',
    );
    expect(abandon.statusCode).toBe(409);
    expect(abandon.json()).toMatchObject({ error: { code: 'rotation_in_progress' } });
    expect((await cli(['rotate', 'prod/surface-live/access-key', '--abandon'])).code).toBe(1);
    expect(await domain.journals.read(live)).toMatchObject({ rotationId: 'r-surface-live' });
  });
});

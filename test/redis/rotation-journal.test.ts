/**
 * The rotation journal on a real Redis: one open journal per account, each step one fenced
 * script (the vault's guard), a step recorded twice changes nothing, the pending secret and its
 * step stored together or not at all, closed journals kept as history (the last 20).
 */
import { describe, expect, it } from 'vitest';

import type { AccountRef } from '../../src/accounts/account-ref.ts';
import type { JournalWriter } from '../../src/jobs/rotate/journal.ts';
import { createUserLeases } from '../../src/queue/user-lease.ts';
import { createTestDomain } from '../support/domain.ts';
import { useTestRedis } from '../support/redis.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const t = useTestRedis();
const domain = createTestDomain(t);
const leases = createUserLeases({
  redis: t.redis,
  keys: domain.keys,
  ttlMs: 60_000,
  waitForReplicas: async () => undefined,
});

async function writerFor(account: AccountRef): Promise<JournalWriter> {
  const got = await leases.acquire(account);
  if (!got.acquired) {
    throw new Error('the test user is leased');
  }
  return {
    fence: { user: account, fencingToken: got.token, value: got.value },
    actor: 'test',
    jobId: 'j1',
  };
}

const step = (name: string, record: Record<string, unknown> = {}) => ({
  step: name,
  at: new Date().toISOString(),
  ms: 3,
  record,
});

describe('the rotation journal', () => {
  it('opens once per account and records steps in order; a step recorded twice changes nothing', async () => {
    const account: AccountRef = { provider: 'prod', userName: 'Alice', kind: 'access-key' };
    const writer = await writerFor(account);
    const start = { rotationId: 'r1', reason: 'manual', jobId: 'j1' };
    const { journal, opened } = await domain.journals.open(account, start, writer);
    expect(opened).toBe(true);
    expect(journal).toMatchObject({ account: 'prod/alice/access-key', step: 'opened', steps: [] });
    const again = await domain.journals.open(account, { ...start, rotationId: 'r2' }, writer);
    expect(again).toMatchObject({ opened: false, journal: { rotationId: 'r1' } });

    const afterIntent = await domain.journals.recordStep(
      journal,
      step('intent', { keyIds: ['AKIA1'] }),
      writer,
    );
    expect(afterIntent.step).toBe('intent');
    const twice = await domain.journals.recordStep(
      afterIntent,
      step('intent', { keyIds: ['AKIA2'] }),
      writer,
    );
    expect(twice).toEqual(afterIntent);
    const afterSent = await domain.journals.recordStep(twice, step('create_sent'), writer);
    expect(afterSent.steps.map((s) => s.step)).toEqual(['intent', 'create_sent']);
    expect(afterSent.steps[0]).toMatchObject({
      record: { keyIds: ['AKIA1'] },
      fencingToken: writer.fence.fencingToken,
    });
    expect(await domain.journals.read(account)).toEqual(afterSent);
  });

  it('stores the pending secret and records its step in one script, or neither', async () => {
    const account: AccountRef = { provider: 'prod', userName: 'bob', kind: 'access-key' };
    const owner = 'prod/bob/access-key';
    const writer = await writerFor(account);
    const { journal } = await domain.journals.open(
      account,
      { rotationId: 'r1', reason: 'manual', jobId: 'j1' },
      writer,
    );
    const secret = { accessKeyId: 'AKIABOBNEW', secretAccessKey: 'bob-secret-do-not-leak-0001' };
    const created = await domain.journals.recordStep(
      journal,
      step('create', { newAccessKeyId: 'AKIABOBNEW' }),
      writer,
      { value: secret },
    );
    const versionId = await domain.vault.versionIdAt(owner, 'pending');
    expect(created.steps[0]?.record).toEqual({
      newAccessKeyId: 'AKIABOBNEW',
      pendingVersionId: versionId,
    });
    expect(await domain.vault.read(owner, 'pending')).toEqual(secret);
    // Recorded already: the vault keeps the first version, not a second one.
    await domain.journals.recordStep(created, step('create'), writer, {
      value: { ...secret, secretAccessKey: 'bob-secret-do-not-leak-0002' },
    });
    expect(await domain.vault.versionIdAt(owner, 'pending')).toBe(versionId);
    expect(await scanForSecrets(t.redis, t.prefix, [secret.secretAccessKey])).toEqual([]);
    const [audited] = await domain.audit.list({ account: owner, limit: 1 });
    expect(audited).toMatchObject({ action: 'vault.put.pending', keyId: 'AKIABOBNEW' });
  });

  it('refuses a writer whose lease passed on (lease_lost): neither journal nor vault change', async () => {
    const account: AccountRef = { provider: 'prod', userName: 'carol', kind: 'access-key' };
    const owner = 'prod/carol/access-key';
    const stale = await writerFor(account);
    const { journal } = await domain.journals.open(
      account,
      { rotationId: 'r1', reason: 'manual', jobId: 'j1' },
      stale,
    );
    await leases.release(account, stale.fence.value);
    const holder = await writerFor(account);
    await expect(
      domain.journals.recordStep(journal, step('create'), stale, {
        value: { accessKeyId: 'AKIACAROL', secretAccessKey: 'carol-secret-do-not-leak' },
      }),
    ).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(domain.journals.close(journal, 'succeeded', stale)).rejects.toMatchObject({
      code: 'lease_lost',
    });
    expect(await domain.journals.read(account)).toEqual(journal);
    expect(await domain.vault.versions(owner)).toEqual([]);
    // The holder may.
    await domain.journals.recordStep(journal, step('create'), holder);
    expect((await domain.journals.read(account))?.step).toBe('create');
  });

  it('closes into the history, keeping the last 20', async () => {
    const account: AccountRef = { provider: 'prod', userName: 'dave', kind: 'password' };
    const writer = await writerFor(account);
    for (let n = 1; n <= 22; n += 1) {
      const { journal } = await domain.journals.open(
        account,
        { rotationId: `r${n}`, reason: 'manual', jobId: `j${n}` },
        writer,
      );
      const done = await domain.journals.recordStep(journal, step('plan'), writer);
      await domain.journals.close(done, n % 2 === 0 ? 'succeeded' : 'abandoned', writer);
    }
    expect(await domain.journals.read(account)).toBeUndefined();
    const history = await domain.journals.history(account);
    expect(history).toHaveLength(20);
    expect(history[0]).toMatchObject({ rotationId: 'r22', outcome: 'succeeded', step: 'plan' });
    expect(history.at(-1)?.rotationId).toBe('r3');
  });
});

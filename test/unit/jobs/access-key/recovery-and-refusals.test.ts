/**
 * The access-key rotation where it must not lose or take a key: a lost CreateAccessKey
 * recovered (once, twice; a foreign key outside the window left alone; two candidates →
 * needs_decision), the 2-key quota, denied actions, the tag quota, the verify timeout, abandon
 * and the old key's delayed retirement.
 */
import { describe, expect, it } from 'vitest';

import { abandonAccessKeyRotation } from '../../../../src/jobs/rotate/access-key/abandon.ts';
import { createAccessKeyKind } from '../../../../src/jobs/rotate/access-key/kind.ts';
import { createOldKeyJobs } from '../../../../src/jobs/rotate/access-key/old-key-jobs.ts';
import { runRotation } from '../../../../src/jobs/rotate/step-runner.ts';
import type { JobContext } from '../../../../src/jobs/define-job.ts';
import { account, createWorld, expectOneWorkingKey, OWNER, type World } from './fake-world.ts';

/** Runs the rotation as the job's attempts would: a transient failure is retried by a fresh run. */
async function rotateWithRetries(world: World, attempts = 5) {
  const kind = createAccessKeyKind(world.deps);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runRotation(kind, world.run());
    } catch (err) {
      if (attempt >= attempts || (err as { name?: string }).name === 'PermanentError') {
        throw err;
      }
    }
  }
}

const keyIds = (world: World) => world.keys.map((k) => k.accessKeyId);

describe('a lost CreateAccessKey (invariant 4)', () => {
  it.each([1, 2])(
    'lost %i time(s) in a row: the keys it created are deleted, one working key remains',
    async (times) => {
      const world = createWorld({ skewMs: 2_300 });
      const old = await world.importKey();
      world.faults.lose = times;
      const result = await rotateWithRetries(world);
      const newId = await expectOneWorkingKey(world);
      expect(world.faults.createdAfterLoss).toHaveLength(times);
      for (const lost of world.faults.createdAfterLoss) {
        expect(keyIds(world)).not.toContain(lost);
      }
      expect(newId).not.toBe(old.accessKeyId);
      expect(world.calls.filter((c) => c === 'CreateAccessKey')).toHaveLength(times + 1);
      expect(result).toMatchObject({ newAccessKeyId: newId });
    },
  );

  it('a foreign key created after the call’s deadline is never taken for ours', async () => {
    const world = createWorld();
    world.faults.lose = 1;
    await expect(runRotation(createAccessKeyKind(world.deps), world.run())).rejects.toThrow(
      /socket hang up/,
    );
    const [lost] = world.faults.createdAfterLoss;
    world.clock.ms += 60_000; // well after the 15 s deadline
    const foreign = world.newKey();
    await rotateWithRetries(world);
    expect(keyIds(world)).toContain(foreign.accessKeyId);
    expect(keyIds(world)).not.toContain(lost);
    expect(keyIds(world)).toHaveLength(2);
  });

  it('a used key in the window is not ours; two unused candidates → needs_decision, nothing deleted', async () => {
    const world = createWorld();
    world.faults.lose = 1;
    await expect(runRotation(createAccessKeyKind(world.deps), world.run())).rejects.toThrow();
    const other = world.newKey(); // same second, by someone else: indistinguishable
    await expect(rotateWithRetries(world)).rejects.toMatchObject({ code: 'needs_decision' });
    expect(keyIds(world)).toEqual([...world.faults.createdAfterLoss, other.accessKeyId]);
    expect(world.refused).toHaveLength(1);
    // Once the other one shows use, it is not ours: ours is deleted, a new one created.
    other.lastUsedAt = world.now();
    expect(world.journal.open.get(OWNER)?.step).toBe('create_sent');
    await rotateWithRetries(world);
    expect(keyIds(world)).toContain(other.accessKeyId);
    expect(keyIds(world)).not.toContain(world.faults.createdAfterLoss[0]);
    expect(keyIds(world)).toHaveLength(2);
  });

  it('no create_sent recorded: no key is taken for ours (a crash right after intent)', async () => {
    const world = createWorld();
    await expect(
      runRotation(createAccessKeyKind(world.deps), world.run('intent')),
    ).rejects.toThrow();
    const foreign = world.newKey();
    await expect(rotateWithRetries(world)).resolves.toBeDefined();
    expect(keyIds(world)).toContain(foreign.accessKeyId);
  });
});

describe('plan: the 2-key quota and refusals, before anything changes', () => {
  it('two Active keys, one foreign → needs_decision with the key list, nothing deleted or created', async () => {
    const world = createWorld();
    await world.importKey();
    world.newKey();
    const before = keyIds(world);
    await expect(rotateWithRetries(world)).rejects.toMatchObject({
      code: 'needs_decision',
      detail: { keys: [{ role: 'current' }, { role: 'foreign_active' }] },
    });
    expect(keyIds(world)).toEqual(before);
    expect(world.calls).not.toContain('CreateAccessKey');
    expect(world.calls).not.toContain('DeleteAccessKey');
    expect(world.refused).toMatchObject([{ reason: 'needs_decision' }]);
  });

  it('an Inactive foreign key: removed only when removeInactiveForeignKeys allows it', async () => {
    const world = createWorld();
    await world.importKey();
    const foreign = world.newKey({ status: 'Inactive' });
    await expect(rotateWithRetries(world)).rejects.toMatchObject({ code: 'needs_decision' });
    expect(keyIds(world)).toContain(foreign.accessKeyId);
    world.policy.value = { ...world.policy.value, removeInactiveForeignKeys: true };
    world.journal.open.clear();
    await rotateWithRetries(world);
    expect(keyIds(world)).not.toContain(foreign.accessKeyId);
    await expectOneWorkingKey(world);
  });

  it('a pending key of an earlier rotation of ours is cleaned up', async () => {
    const world = createWorld();
    await world.importKey();
    const leftover = world.newKey();
    await world.vault.put(OWNER, 'pending', leftover, { actor: 't' });
    await rotateWithRetries(world);
    expect(keyIds(world)).not.toContain(leftover.accessKeyId);
    await expectOneWorkingKey(world);
  });

  it('an action denied in the last validation → permission_denied naming it, no IAM call', async () => {
    const world = createWorld();
    await world.importKey();
    world.policy.denied = ['iam:UpdateAccessKey'];
    await expect(rotateWithRetries(world)).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining('iam:UpdateAccessKey'),
    });
    expect(world.calls).toEqual([]);
  });

  it('50 tags: the retiring key’s tag goes first; without one of ours → tag_quota with the count', async () => {
    const world = createWorld();
    const old = await world.importKey();
    for (let i = 0; i < 49; i += 1) {
      world.tags.set(`team-${i}`, 'x');
    }
    world.tags.set(old.accessKeyId, 'managed by iam-pam');
    const newId = (await rotateWithRetries(world)).newAccessKeyId as string;
    expect(world.tags.has(newId)).toBe(true);
    expect(world.tags.size).toBe(50);

    const full = createWorld();
    await full.importKey();
    for (let i = 0; i < 50; i += 1) {
      full.tags.set(`team-${i}`, 'x');
    }
    await expect(rotateWithRetries(full)).rejects.toMatchObject({
      code: 'tag_quota',
      detail: { tags: 50 },
    });
    expect(full.calls).not.toContain('CreateAccessKey');
  });
});

describe('verify before promote (invariant 2)', () => {
  it('polls through a 10 s propagation delay, then promotes', async () => {
    const world = createWorld({ propagationMs: 10_000 });
    await world.importKey();
    world.clock.ms += 10_000; // the imported key has propagated long ago
    const result = await rotateWithRetries(world);
    await expectOneWorkingKey(world);
    const verify = (result.steps as { step: string }[]).find((s) => s.step === 'verify');
    expect(verify).toBeDefined();
    expect(world.calls.filter((c) => c === 'sts:GetCallerIdentity').length).toBeGreaterThan(3);
  });

  it('longer than verifyTimeoutSeconds → verify_timeout; new key pending, old key Active and untouched', async () => {
    const world = createWorld({ propagationMs: 200_000 });
    const old = await world.importKey();
    world.clock.ms += 200_000;
    world.policy.value = { ...world.policy.value, verifyTimeoutSeconds: 30 };
    await expect(rotateWithRetries(world)).rejects.toMatchObject({ code: 'verify_timeout' });
    expect(world.keys.find((k) => k.accessKeyId === old.accessKeyId)?.status).toBe('Active');
    expect(world.keys).toHaveLength(2);
    expect(await world.vault.read(OWNER, 'current')).toMatchObject({
      accessKeyId: old.accessKeyId,
    });
    expect(await world.vault.read(OWNER, 'pending')).toBeDefined();
    expect(world.calls).not.toContain('UpdateAccessKey');
  });
});

describe('abandon', () => {
  it('deletes the unpromoted pending key and leaves the current key working', async () => {
    const world = createWorld({ propagationMs: 200_000 });
    const old = await world.importKey();
    world.clock.ms += 200_000;
    world.policy.value = { ...world.policy.value, verifyTimeoutSeconds: 5 };
    await expect(rotateWithRetries(world)).rejects.toMatchObject({ code: 'verify_timeout' });
    const journal = world.journal.open.get(OWNER);
    if (journal === undefined) throw new Error('no journal');
    const outcome = await abandonAccessKeyRotation(
      world.deps,
      { account, journal, reason: 'manual', resumedAt: journal.step },
      world.ports,
    );
    expect(outcome.deletedAccessKeyId).toBeDefined();
    expect(keyIds(world)).toEqual([old.accessKeyId]);
    expect(await world.vault.read(OWNER, 'pending')).toBeUndefined();
  });

  it('recovers a key lost at create_sent', async () => {
    const world = createWorld();
    await world.importKey();
    world.faults.lose = 1;
    await expect(runRotation(createAccessKeyKind(world.deps), world.run())).rejects.toThrow();
    const journal = world.journal.open.get(OWNER);
    if (journal === undefined) throw new Error('no journal');
    const outcome = await abandonAccessKeyRotation(
      world.deps,
      { account, journal, reason: 'manual', resumedAt: journal.step },
      world.ports,
    );
    expect(outcome.deletedAccessKeyId).toBe(world.faults.createdAfterLoss[0]);
    expect(world.keys).toHaveLength(1);
  });
});

describe('the old key’s delayed retirement', () => {
  function jobs(world: World) {
    const handlers = createOldKeyJobs({
      accounts: world.deps.accounts,
      vault: world.vault,
      policyOf: async () => world.policy.value,
      scheduleRetirement: world.deps.scheduleRetirement,
      retiringKeyOf: world.deps.retiringKeyOf,
    });
    const ctx = {
      jobId: 'd1',
      log: world.ports.log,
      scope: { iam: world.ports.iam, actor: 'test', fence: undefined },
    } as unknown as JobContext;
    return { handlers, ctx };
  }

  it('deactivate-old-key after the overlap, then delete-old-key after the grace; run twice changes nothing', async () => {
    const world = createWorld();
    world.policy.value = { ...world.policy.value, overlapSeconds: 60, deleteGraceSeconds: 60 };
    const old = await world.importKey();
    await rotateWithRetries(world);
    const { handlers, ctx } = jobs(world);
    const target = { provider: 'prod', userName: 'Alice', accessKeyId: old.accessKeyId };
    await handlers['deactivate-old-key'](target, ctx);
    expect(world.keys.find((k) => k.accessKeyId === old.accessKeyId)?.status).toBe('Inactive');
    expect(world.scheduled.map((s) => s.job)).toEqual(['deactivate-old-key', 'delete-old-key']);
    await handlers['delete-old-key'](target, ctx);
    await handlers['delete-old-key'](target, ctx);
    await expectOneWorkingKey(world);
    expect(world.tags.has(old.accessKeyId)).toBe(false);
  });

  it('retires an old key imported without its secret (no vault previous): the journal names it', async () => {
    const world = createWorld();
    world.policy.value = { ...world.policy.value, overlapSeconds: 60 };
    const old = await world.importKey(false);
    await rotateWithRetries(world);
    expect(await world.vault.read(OWNER, 'previous')).toBeUndefined();
    // A second rotation during the overlap finishes the retirement first (not needs_decision).
    const again = createWorld();
    again.policy.value = { ...again.policy.value, overlapSeconds: 60 };
    await again.importKey(false);
    await rotateWithRetries(again);
    again.policy.value = { ...again.policy.value, overlapSeconds: 0 };
    await rotateWithRetries(again);
    await expectOneWorkingKey(again);
    // The delayed job retires it.
    const { handlers, ctx } = jobs(world);
    await handlers['deactivate-old-key'](
      { provider: 'prod', userName: 'Alice', accessKeyId: old.accessKeyId },
      ctx,
    );
    await expectOneWorkingKey(world);
  });

  it('never touches the current key or a key that is not ours being retired', async () => {
    const world = createWorld();
    const current = await world.importKey();
    const foreign = world.newKey();
    const { handlers, ctx } = jobs(world);
    for (const accessKeyId of [current.accessKeyId, foreign.accessKeyId]) {
      await expect(
        handlers['delete-old-key']({ provider: 'prod', userName: 'Alice', accessKeyId }, ctx),
      ).resolves.toMatchObject({ skipped: expect.any(String) });
    }
    expect(world.keys).toHaveLength(2);
    expect(world.calls).toEqual([]);
  });
});

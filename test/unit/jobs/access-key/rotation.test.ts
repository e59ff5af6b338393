/**
 * The access-key rotation's steps on fakes (fake-world.ts): the end state, every step run
 * twice, a crash after every step, IAM calls per rotation, the old key's timing and the result.
 */
import { describe, expect, it } from 'vitest';

import {
  ACCESS_KEY_STEPS,
  createAccessKeyKind,
} from '../../../../src/jobs/rotate/access-key/kind.ts';
import type { IamGateway } from '../../../../src/iam/iam-gateway.ts';
import type { RotationKind } from '../../../../src/jobs/rotate/rotation-kind.ts';
import { PLAN_TAG_READ_FRESH_MS } from '../../../../src/jobs/rotate/access-key/tag-read.ts';
import { runRotation } from '../../../../src/jobs/rotate/step-runner.ts';
import { createWorld, expectOneWorkingKey, OWNER } from './fake-world.ts';

const MUTATIONS = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser',
]);

describe('access-key rotation', () => {
  it('replaces the key: the new one verified, promoted and tagged; the old one deactivated, deleted, untagged', async () => {
    const world = createWorld();
    const old = await world.importKey();
    world.tags.set(old.accessKeyId, 'managed by iam-pam');
    const result = await runRotation(createAccessKeyKind(world.deps), world.run());
    const newId = await expectOneWorkingKey(world);
    expect(newId).not.toBe(old.accessKeyId);
    expect([...world.tags.keys()]).toEqual([newId]);
    expect(world.tags.get(newId)).toMatch(
      /^managed by iam-pam - rotation rot-1 at [\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
    );
    expect(await world.vault.read(OWNER, 'pending')).toBeUndefined();
    expect(await world.vault.read(OWNER, 'previous')).toBeUndefined();
    expect(result).toMatchObject({
      account: OWNER,
      oldAccessKeyId: old.accessKeyId,
      newAccessKeyId: newId,
      oldKeyDeletion: { at: expect.any(String) },
      oldKeyLastUsedAt: null,
      steps: [...ACCESS_KEY_STEPS].map((step) => ({ step, at: expect.any(String) })),
    });
    expect(JSON.stringify(result)).not.toMatch(/secret-/);
    // Deactivated before deleted (invariant 3), created before anything was retired.
    expect(world.calls.filter((c) => MUTATIONS.has(c))).toEqual([
      'CreateAccessKey',
      'TagUser',
      'UpdateAccessKey',
      'DeleteAccessKey',
      'UntagUser',
    ]);
    // IAM calls per rotation, besides the verify polls: 8. The tag step trusts plan's read of
    // the tags on its first attempt in the run that planned (tag-read.ts).
    expect(world.calls.filter((c) => !c.startsWith('sts:'))).toEqual([
      'ListAccessKeys',
      'ListUserTags',
      'GetAccessKeyLastUsed',
      'CreateAccessKey',
      'TagUser',
      'UpdateAccessKey',
      'DeleteAccessKey',
      'UntagUser',
    ]);
    // The old key's last use: in the result and its own audit entry.
    expect(world.lastUses).toEqual([{ accessKeyId: old.accessKeyId, lastUsedAt: null }]);
    expect(world.events.map((e) => e.type)).toEqual(['rotation.started', 'rotation.succeeded']);
  });

  it('creates the first managed key for a user with none (nothing to retire)', async () => {
    const world = createWorld();
    const result = await runRotation(createAccessKeyKind(world.deps), world.run());
    const newId = await expectOneWorkingKey(world);
    expect(result).toMatchObject({ newAccessKeyId: newId });
    expect(result).not.toHaveProperty('oldAccessKeyId');
    expect(world.calls).not.toContain('DeleteAccessKey');
  });

  it('every step run twice (a crash after its work, before its record) ends the same', async () => {
    const world = createWorld();
    const old = await world.importKey();
    const kind = createAccessKeyKind(world.deps);
    const twice: RotationKind = {
      ...kind,
      steps: kind.steps.map((step) => ({
        name: step.name,
        run: async (input, ports) => {
          await step.run(input, ports);
          return step.run(input, ports);
        },
      })),
    };
    await runRotation(twice, world.run());
    const newId = await expectOneWorkingKey(world);
    expect(newId).not.toBe(old.accessKeyId);
    expect([...world.tags.keys()]).toEqual([newId]);
    // create ran twice: the second run found its first key unstored and recovered it.
    expect(world.calls.filter((c) => c === 'CreateAccessKey')).toHaveLength(2);
    expect(world.calls.filter((c) => c === 'TagUser')).toHaveLength(1);
  });

  it.each(['verify', 'promote'])(
    'a tag step resumed by a fresh run (crash after %s) lists the tags before TagUser',
    async (step) => {
      const world = createWorld();
      await world.importKey();
      await expect(runRotation(createAccessKeyKind(world.deps), world.run(step))).rejects.toThrow(
        `killed after ${step}`,
      );
      const before = world.calls.length;
      await runRotation(createAccessKeyKind(world.deps), world.run());
      const resumed = world.calls.slice(before).filter((c) => !c.startsWith('sts:'));
      expect(resumed.slice(0, 2)).toEqual(['ListUserTags', 'TagUser']);
    },
  );

  it('a plan read older than PLAN_TAG_READ_FRESH_MS is read again before TagUser', async () => {
    const world = createWorld({ propagationMs: PLAN_TAG_READ_FRESH_MS + 60_000 });
    world.policy.value = { ...world.policy.value, verifyTimeoutSeconds: 900 };
    await world.importKey();
    await runRotation(createAccessKeyKind(world.deps), world.run());
    const calls = world.calls.filter((c) => !c.startsWith('sts:'));
    expect(calls.slice(calls.indexOf('CreateAccessKey') + 1, -3)).toEqual([
      'ListUserTags',
      'TagUser',
    ]);
  });

  it.each(ACCESS_KEY_STEPS)(
    'a crash after %s: a fresh run resumes and ends with one working key',
    async (step) => {
      const world = createWorld();
      const old = await world.importKey();
      await expect(runRotation(createAccessKeyKind(world.deps), world.run(step))).rejects.toThrow(
        `killed after ${step}`,
      );
      // A fresh worker: a new kind instance (nothing in memory carried over).
      const result = await runRotation(createAccessKeyKind(world.deps), world.run());
      const newId = await expectOneWorkingKey(world);
      expect(newId).not.toBe(old.accessKeyId);
      expect(result).toMatchObject({ oldAccessKeyId: old.accessKeyId, newAccessKeyId: newId });
      expect([...world.tags.keys()]).toEqual([newId]);
      expect(world.events.filter((e) => e.type === 'rotation.succeeded')).toHaveLength(1);
    },
  );

  it('with an overlap, the rotation is done at tag and the old key stays Active until deactivate-old-key', async () => {
    const world = createWorld();
    world.policy.value = { ...world.policy.value, overlapSeconds: 300, deleteGraceSeconds: 600 };
    const old = await world.importKey();
    const result = await runRotation(createAccessKeyKind(world.deps), world.run());
    expect(world.keys.map((k) => k.status)).toEqual(['Active', 'Active']);
    expect(world.scheduled).toEqual([
      { job: 'deactivate-old-key', accessKeyId: old.accessKeyId, delayMs: 300_000 },
    ]);
    expect(result).toMatchObject({ oldKeyDeletion: { scheduled: true } });
    // The old key is ours, being retired: the vault's previous.
    expect(await world.vault.read(OWNER, 'previous')).toMatchObject({
      accessKeyId: old.accessKeyId,
    });
  });

  it('with a grace period, the old key is deactivated now and deleted later by delete-old-key', async () => {
    const world = createWorld();
    world.policy.value = { ...world.policy.value, deleteGraceSeconds: 60 };
    const old = await world.importKey();
    await runRotation(createAccessKeyKind(world.deps), world.run());
    expect(world.keys.find((k) => k.accessKeyId === old.accessKeyId)?.status).toBe('Inactive');
    expect(world.scheduled).toEqual([
      { job: 'delete-old-key', accessKeyId: old.accessKeyId, delayMs: 60_000 },
    ]);
  });

  it('the result says when deactivate waited for calls still signed with the old key (a provider’s own)', async () => {
    const world = createWorld();
    const old = await world.importKey();
    const drain = { heldBy: ['host:7:ab'], waitedMs: 40, timedOut: false };
    const iam = world.ports.iam;
    // The provider's gateway (src/iam/signed-call.ts) reports the wait on the receipt.
    (world.ports as { iam: IamGateway }).iam = new Proxy(iam, {
      get: (target, prop, receiver) =>
        prop === 'updateAccessKeyStatus'
          ? async (...args: Parameters<IamGateway['updateAccessKeyStatus']>) => ({
              ...(await target.updateAccessKeyStatus(...args)),
              inFlightDrain: drain,
            })
          : (Reflect.get(target, prop, receiver) as unknown),
    });
    const result = await runRotation(createAccessKeyKind(world.deps), world.run());
    expect(result).toMatchObject({ oldAccessKeyId: old.accessKeyId, oldKeyInFlight: drain });
  });

  it('a new rotation finishes retiring the previous key first', async () => {
    const world = createWorld();
    world.policy.value = { ...world.policy.value, overlapSeconds: 300 };
    const first = await world.importKey();
    await runRotation(createAccessKeyKind(world.deps), world.run());
    world.policy.value = { ...world.policy.value, overlapSeconds: 0 };
    const result = await runRotation(createAccessKeyKind(world.deps), world.run());
    expect(world.keys.some((k) => k.accessKeyId === first.accessKeyId)).toBe(false);
    await expectOneWorkingKey(world);
    expect(result).toMatchObject({ steps: expect.any(Array) });
  });
});

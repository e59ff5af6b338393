/** The vault on a real Redis: encryption, stages, fencing, tampering, wrong keys, rekey. */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createAuditLog } from '../../src/audit/audit-log.ts';
import { TransientError } from '../../src/errors.ts';
import { createKeys } from '../../src/keys.ts';
import { createKeyring, type Keyring } from '../../src/vault/keyring.ts';
import { verifyMasterKey } from '../../src/vault/master-key-check.ts';
import { createRedisVault } from '../../src/vault/redis-vault.ts';
import { rekeyVault } from '../../src/vault/rekey.ts';
import { deletePrefix, useTestRedis } from '../support/redis.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const t = useTestRedis();
const keys = createKeys(t.prefix);
const audit = createAuditLog(t.redis, keys);
const newKey = () => randomBytes(32).toString('base64');
const KEY_A = newKey();
const vaultWith = (keyring: Keyring) => createRedisVault({ redis: t.redis, keys, keyring, audit });
const vault = vaultWith(createKeyring(KEY_A));
const actor = 'test';
const secretOf = (n: number) => ({
  accessKeyId: `AKIAVAULTTEST${String(n).padStart(7, '0')}`,
  secretAccessKey: `s3cr3t-${n}-${randomBytes(12).toString('hex')}`,
});

describe('the vault', () => {
  it('stores secrets only encrypted, and reads them back', async () => {
    const secret = secretOf(1);
    const password = { password: `Pw-${randomBytes(8).toString('hex')}!` };
    await vault.put('prod/alice/access-key', 'current', secret, { actor });
    await vault.put('prod/alice/password', 'current', password, { actor });
    expect(await vault.read('prod/alice/access-key', 'current')).toEqual(secret);
    expect(await vault.read('prod/alice/password', 'current')).toEqual(password);
    expect(await vault.read('prod/alice/access-key', 'pending')).toBeUndefined();
    expect(
      await scanForSecrets(t.redis, t.prefix, [secret.secretAccessKey, password.password]),
    ).toEqual([]);
    const [info] = await vault.versions('prod/alice/access-key');
    expect(info).toMatchObject({
      stages: ['current'],
      kind: 'access-key',
      accessKeyId: secret.accessKeyId,
    });
    expect(JSON.stringify(info)).not.toContain(secret.secretAccessKey);
  });

  it('promotes pending to current and current to previous, forgetting the old previous', async () => {
    const owner = 'prod/bob/access-key';
    const [one, two, three] = [secretOf(11), secretOf(12), secretOf(13)];
    await vault.put(owner, 'current', one, { actor });
    await vault.put(owner, 'pending', two, { actor });
    await vault.promote(owner, { actor });
    expect(await vault.read(owner, 'current')).toEqual(two);
    expect(await vault.read(owner, 'previous')).toEqual(one);
    await vault.put(owner, 'pending', three, { actor });
    await vault.promote(owner, { actor });
    expect(await vault.read(owner, 'previous')).toEqual(two);
    const versions = await vault.versions(owner);
    expect(versions.map((v) => v.accessKeyId).sort()).toEqual([two.accessKeyId, three.accessKeyId]);
    await expect(vault.promote(owner, { actor })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('writes only while the caller holds the lease on the IAM user (fencing token)', async () => {
    const owner = 'prod/carol/access-key';
    await t.redis.set(keys.userLease('prod', 'Carol'), '7:a1');
    const fence = { user: { provider: 'prod', userName: 'carol' }, fencingToken: 7, value: '7:a1' };
    await vault.put(owner, 'pending', secretOf(21), { actor, fence });

    // Same token, another nonce: the holder of a token issued twice (a counter that went back).
    const stale = { ...fence, value: '7:b2' };
    const refused = vault.put(owner, 'pending', secretOf(22), { actor, fence: stale });
    await expect(refused).rejects.toThrow(TransientError);
    await expect(refused).rejects.toMatchObject({ code: 'lease_lost' });
    const pendingId = await vault.versionIdAt(owner, 'pending');
    await expect(
      vault.promote(owner, { actor, fence: stale, versionId: pendingId }),
    ).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await vault.read(owner, 'pending')).toMatchObject({
      accessKeyId: secretOf(21).accessKeyId,
    });

    await t.redis.del(keys.userLease('prod', 'carol'));
    await expect(
      vault.promote(owner, { actor, fence, versionId: pendingId }),
    ).rejects.toMatchObject({
      code: 'lease_lost',
    });
    expect(await vault.read(owner, 'current')).toBeUndefined();
  });

  it('audits every write, refused ones included, without the secret', async () => {
    const owner = 'prod/dave/access-key';
    const secret = secretOf(31);
    await vault.put(owner, 'pending', secret, { actor: 'job:rotation/42', jobId: '42' });
    await vault.promote(owner, { actor: 'job:rotation/42', jobId: '42' });
    await vault.promote(owner, { actor: 'job:rotation/42' }).catch(() => undefined);
    const entries = await audit.list({ account: owner, limit: 10 });
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['vault.promote', 'refused'],
      ['vault.promote', 'ok'],
      ['vault.put.pending', 'ok'],
    ]);
    expect(entries[1]).toMatchObject({
      provider: 'prod',
      keyId: secret.accessKeyId,
      jobId: '42',
      actor: 'job:rotation/42',
    });
    expect(JSON.stringify(entries)).not.toContain(secret.secretAccessKey);
  });

  it('fails loudly on a flipped ciphertext byte and overwrites nothing', async () => {
    const owner = 'prod/erin/access-key';
    await vault.put(owner, 'current', secretOf(41), { actor });
    const record = keys.vault(owner);
    const versionId = (await t.redis.hget(record, 'stage:current'))!;
    const stored = JSON.parse((await t.redis.hget(record, `version:${versionId}`))!) as {
      envelope: { ct: string };
    };
    const bytes = Buffer.from(stored.envelope.ct, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    stored.envelope.ct = bytes.toString('base64');
    const tampered = JSON.stringify(stored);
    await t.redis.hset(record, `version:${versionId}`, tampered);
    await expect(vault.read(owner, 'current')).rejects.toMatchObject({
      code: 'vault_unreadable',
      message: expect.stringMatching(/failed authentication/),
    });
    expect(await t.redis.hget(record, `version:${versionId}`)).toBe(tampered);
  });

  it('refuses a ciphertext moved to another account', async () => {
    await vault.put('prod/frank/access-key', 'current', secretOf(51), { actor });
    await vault.put('prod/grace/access-key', 'current', secretOf(52), { actor });
    const from = keys.vault('prod/frank/access-key');
    const to = keys.vault('prod/grace/access-key');
    const fromVersion = (await t.redis.hget(from, 'stage:current'))!;
    const toVersion = (await t.redis.hget(to, 'stage:current'))!;
    const moved = JSON.parse((await t.redis.hget(from, `version:${fromVersion}`))!) as {
      versionId: string;
    };
    moved.versionId = toVersion;
    await t.redis.hset(to, `version:${toVersion}`, JSON.stringify(moved));
    await expect(vault.read('prod/grace/access-key', 'current')).rejects.toMatchObject({
      code: 'vault_unreadable',
    });
  });

  it('tells a wrong master key at start-up, and never returns garbage', async () => {
    await verifyMasterKey(t.redis, keys, createKeyring(KEY_A));
    const wrong = createKeyring(newKey());
    await expect(verifyMasterKey(t.redis, keys, wrong)).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/^IAM_PAM_MASTER_KEY: does not match the vault/),
    });
    await expect(vaultWith(wrong).read('prod/alice/access-key', 'current')).rejects.toMatchObject({
      code: 'vault_unreadable',
    });
  });
});

describe('the vault, at its edges', () => {
  it('refuses a write without a fencing token while a job holds the IAM user', async () => {
    const owner = 'prod/Heidi/access-key'.toLowerCase();
    await t.redis.set(keys.userLease('prod', 'heidi'), '9');
    await expect(vault.put(owner, 'current', secretOf(61), { actor })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/a job is working on this IAM user/),
    });
    expect(await vault.read(owner, 'current')).toBeUndefined();
    await t.redis.del(keys.userLease('prod', 'heidi'));
    await vault.put(owner, 'current', secretOf(61), { actor });
    // A provider's own credential is no IAM user of ours: no lease applies.
    await vault.put('provider:prod', 'current', secretOf(62), { actor });
  });

  it('keeps previous when promoting without a current, and refuses moving a stage onto itself', async () => {
    const owner = 'prod/ivan/access-key';
    const [older, newer] = [secretOf(71), secretOf(72)];
    await vault.put(owner, 'previous', older, { actor });
    await vault.put(owner, 'pending', newer, { actor });
    await vault.promote(owner, { actor });
    expect(await vault.read(owner, 'current')).toEqual(newer);
    expect(await vault.read(owner, 'previous')).toEqual(older);
    await expect(vault.move(owner, 'current', 'current', { actor })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await vault.read(owner, 'current')).toEqual(newer);
  });

  it('refuses a version copied over the one a stage points at', async () => {
    const owner = 'prod/judy/access-key';
    await vault.put(owner, 'current', secretOf(81), { actor });
    await vault.put(owner, 'pending', secretOf(82), { actor });
    await vault.promote(owner, { actor });
    const record = keys.vault(owner);
    const [currentId, previousId] = [
      await t.redis.hget(record, 'stage:current'),
      await t.redis.hget(record, 'stage:previous'),
    ];
    await t.redis.hset(
      record,
      `version:${currentId}`,
      (await t.redis.hget(record, `version:${previousId}`))!,
    );
    await expect(vault.read(owner, 'current')).rejects.toMatchObject({
      code: 'vault_unreadable',
      message: expect.stringMatching(/was altered/),
    });
  });

  it('audits a removal only when there was something to remove', async () => {
    await vault.removeOwner('prod/nobody-here/access-key', { actor: 'edge' });
    await vault.put('prod/kim/access-key', 'current', secretOf(91), { actor: 'edge' });
    await vault.removeOwner('prod/kim/access-key', { actor: 'edge' });
    const removals = (await audit.list({ limit: 50 })).filter(
      (e) => e.actor === 'edge' && e.action === 'vault.remove',
    );
    expect(removals.map((e) => e.account)).toEqual(['prod/kim/access-key']);
  });

  it('reports a version sealed under neither master key as unreadable, and keeps the old key check', async () => {
    const oldKey = newKey();
    const rekeyKeys = createKeys(`${t.prefix}-rk`);
    const sealedBy = (key: string) =>
      createRedisVault({ redis: t.redis, keys: rekeyKeys, keyring: createKeyring(key), audit });
    await verifyMasterKey(t.redis, rekeyKeys, createKeyring(oldKey));
    await sealedBy(oldKey).put('prod/lee/access-key', 'current', secretOf(95), { actor });
    await sealedBy(oldKey).put('prod/mia/access-key', 'current', secretOf(96), { actor });
    // mia's version claims a master key neither key of the rekey is (the vault refuses to write
    // one: this is the record as someone with Redis access left it).
    const mia = rekeyKeys.vault('prod/mia/access-key');
    const miaVersion = (await t.redis.hget(mia, 'stage:current'))!;
    const foreign = JSON.parse((await t.redis.hget(mia, `version:${miaVersion}`))!) as {
      envelope: { keyId: string };
    };
    foreign.envelope.keyId = '0123456789abcdef';
    await t.redis.hset(mia, `version:${miaVersion}`, JSON.stringify(foreign));
    const next = createKeyring(newKey(), oldKey);
    const report = await rekeyVault({
      redis: t.redis,
      keys: rekeyKeys,
      keyring: next,
      audit,
      actor,
    });
    expect(report.reencrypted).toBe(1);
    expect(report.unreadable.map((u) => u.owner)).toEqual(['prod/mia/access-key']);
    // Not retired: the key check is still sealed under the old key.
    const check = JSON.parse((await t.redis.get(rekeyKeys.vaultKeyCheck))!) as { keyId: string };
    expect(check.keyId).toBe(createKeyring(oldKey).current.id);
    await deletePrefix(t.redis, `${t.prefix}-rk`);
  });
});

// Last: once rekeyed, the vault refuses writes sealed under KEY_A, which the tests above make.
describe('vault rekey', () => {
  it('rekeys everything while a reader keeps reading with both keys', async () => {
    const owners = Array.from({ length: 40 }, (_, i) => `rekey/user${i}/access-key`);
    const expected = new Map(owners.map((o, i) => [o, secretOf(100 + i)]));
    for (const owner of owners) {
      await vault.put(owner, 'current', expected.get(owner)!, { actor });
    }
    const KEY_B = newKey();
    const both = createKeyring(KEY_B, KEY_A);
    const worker = vaultWith(both);
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        for (const owner of owners) {
          expect(await worker.read(owner, 'current')).toEqual(expected.get(owner));
          reads += 1;
        }
      }
    })();
    const report = await rekeyVault({ redis: t.redis, keys, keyring: both, audit, actor }).finally(
      () => {
        reading = false;
      },
    );
    await reader;
    // The records tampered with above stay unreadable and are reported, not rewritten.
    const tampered = ['prod/erin/access-key', 'prod/grace/access-key', 'prod/judy/access-key'];
    expect(report.unreadable.map((u) => u.owner).sort()).toEqual(tampered);
    await t.redis.del(...tampered.map((owner) => keys.vault(owner)));
    await t.redis.srem(keys.vaultIndex, ...tampered);
    expect(
      (await rekeyVault({ redis: t.redis, keys, keyring: both, audit, actor })).unreadable,
    ).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(report.reencrypted).toBeGreaterThanOrEqual(owners.length);
    const onlyNew = vaultWith(createKeyring(KEY_B));
    for (const owner of owners) {
      expect(await onlyNew.read(owner, 'current')).toEqual(expected.get(owner));
    }
    await verifyMasterKey(t.redis, keys, createKeyring(KEY_B));
    await expect(verifyMasterKey(t.redis, keys, createKeyring(KEY_A))).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });
});

/**
 * The vault refuses what is stale or mismatched (issue "Fences that hold", item 4), each case on
 * a real Redis: a promote names its version and a repeat is a no-op; a fence counts only for
 * the record owner's own user; a write sealed under a key other than the vault's active master
 * key is refused, and rekey rescans until nothing is left under the previous key; stage and
 * version are read in one step; stage pointers carry a MAC under the master key.
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { createAuditLog } from '../../src/audit/audit-log.ts';
import { TransientError } from '../../src/errors.ts';
import type { Fence } from '../../src/jobs/define-job.ts';
import { createKeys } from '../../src/keys.ts';
import { additionalData, seal } from '../../src/vault/envelope.ts';
import { createKeyring, type Keyring } from '../../src/vault/keyring.ts';
import { verifyMasterKey } from '../../src/vault/master-key-check.ts';
import { pointerMac } from '../../src/vault/pointer-mac.ts';
import { createRedisVault, type StoredVersion } from '../../src/vault/redis-vault.ts';
import { rekeyVault } from '../../src/vault/rekey.ts';
import { deletePrefix, useTestRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const t = useTestRedis();
const keys = createKeys(t.prefix);
const audit = createAuditLog(t.redis, keys);
const newKey = () => randomBytes(32).toString('base64');
const KEY = newKey();
const vaultOn = (redis: Redis, keyring: Keyring, k = keys) =>
  createRedisVault({ redis, keys: k, keyring, audit: createAuditLog(redis, k) });
const vault = vaultOn(t.redis, createKeyring(KEY));
const actor = 'test';
const secrets = new Map<number, { accessKeyId: string; secretAccessKey: string }>();
/** Secret number `n` (the same one every time it is asked for). */
const secretOf = (n: number) => {
  const secret = secrets.get(n) ?? {
    accessKeyId: `AKIAREFUSALS${String(n).padStart(8, '0')}`,
    secretAccessKey: `s3cr3t-${n}-${randomBytes(12).toString('hex')}`,
  };
  secrets.set(n, secret);
  return secret;
};
const extra: Array<{ disconnect(): void }> = [];
const proxies: TcpProxy[] = [];
afterAll(async () => {
  extra.forEach((c) => c.disconnect());
  await Promise.all(proxies.map((p) => p.close()));
});

/** A lease held on `userName` (as user-lease.ts writes it) and the fence that shows it. */
async function leased(userName: string): Promise<Fence> {
  const value = `${Math.floor(Math.random() * 1e6)}:${randomBytes(16).toString('hex')}`;
  await t.redis.set(keys.userLease('prod', userName), value, 'PX', 60_000);
  return { user: { provider: 'prod', userName }, fencingToken: Number(value.split(':')[0]), value };
}

describe('a fenced promote', () => {
  it('must name the version it promotes; a repeat is a no-op, also when ioredis re-sends it after a reconnect', async () => {
    const owner = 'prod/pat/access-key';
    const fence = await leased('pat');
    const first = await vault.put(owner, 'pending', secretOf(1), { actor, fence });
    await expect(vault.promote(owner, { actor, fence })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/must name the version it promotes/),
    });
    expect(await vault.versionIdAt(owner, 'pending')).toBe(first.versionId);
    expect(await vault.versionIdAt(owner, 'current')).toBeUndefined();

    // The link breaks after Redis applied the promote, before its answer arrives: ioredis
    // reconnects and sends the same command again, which must find the work done.
    const proxy = await startTcpProxy(t.url);
    proxies.push(proxy);
    const flaky = new Redis(proxy.url);
    flaky.on('error', () => undefined);
    extra.push(flaky);
    const flakyVault = vaultOn(flaky, createKeyring(KEY));
    await flaky.ping();
    let reconnects = 0;
    flaky.on('reconnecting', () => (reconnects += 1));
    // The script's answer 'OK' (a bulk string): the first one after the reads.
    proxy.loseReply((chunk) => chunk.toString() === '$2\r\nOK\r\n');
    await flakyVault.promote(owner, { actor, fence, versionId: first.versionId });
    expect(reconnects).toBe(1);
    expect(await vault.versionIdAt(owner, 'current')).toBe(first.versionId);
    // The answer that said it was done was lost: the repeat leaves the trace.
    const [entry] = await audit.list({ account: owner, limit: 1 });
    expect(entry).toMatchObject({
      action: 'vault.promote',
      outcome: 'ok',
      detail: { already: true },
    });

    // A repeat after the next version was put is still a no-op: the new pending stays pending.
    const second = await vault.put(owner, 'pending', secretOf(2), { actor, fence });
    await vault.promote(owner, { actor, fence, versionId: first.versionId });
    expect(await vault.versionIdAt(owner, 'current')).toBe(first.versionId);
    expect(await vault.versionIdAt(owner, 'pending')).toBe(second.versionId);
    await vault.promote(owner, { actor, fence, versionId: second.versionId });
    expect(await vault.read(owner, 'current')).toEqual(secretOf(2));
    expect(await vault.read(owner, 'previous')).toEqual(secretOf(1));
  });
});

describe('a fence', () => {
  it("counts only for the record owner's own IAM user: a fence for bob cannot write alice's record", async () => {
    const owner = 'prod/alix/access-key';
    const alix = await leased('alix');
    const bob = await leased('bob');
    await expect(
      vault.put(owner, 'pending', secretOf(10), { actor, fence: bob }),
    ).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/fence shown is for the IAM user prod\/bob/),
    });
    expect(await t.redis.exists(keys.vault(owner))).toBe(0);
    // Alix's own fence writes; bob's cannot promote, move or clear it either.
    const pending = await vault.put(owner, 'pending', secretOf(10), { actor, fence: alix });
    const bobWrites = [
      () => vault.promote(owner, { actor, fence: bob, versionId: pending.versionId }),
      () => vault.move(owner, 'pending', 'unconfirmed', { actor, fence: bob }),
      () => vault.clear(owner, 'pending', { actor, fence: bob }),
      () => vault.removeOwner(owner, { actor, fence: bob }),
    ];
    for (const write of bobWrites) {
      await expect(write()).rejects.toMatchObject({ code: 'internal' });
    }
    expect(await vault.versionIdAt(owner, 'pending')).toBe(pending.versionId);
    const refusals = await audit.list({ account: owner, limit: 10 });
    expect(refusals.filter((e) => e.outcome === 'refused')).toHaveLength(5);
  });
});

describe("the vault's active master key", () => {
  it('refuses a write sealed under another key, stops a process holding a retired key, and rekey rescans until nothing is left under the previous key', async () => {
    const mkKeys = createKeys(`${t.prefix}-mk`);
    const [OLD, NEW] = [newKey(), newKey()];
    const oldOnly = createKeyring(OLD);
    const both = createKeyring(NEW, OLD);
    const stale = vaultOn(t.redis, oldOnly, mkKeys);
    const fresh = vaultOn(t.redis, both, mkKeys);
    const owner = 'prod/quinn/access-key';
    try {
      await verifyMasterKey(t.redis, mkKeys, oldOnly);
      await stale.put(owner, 'current', secretOf(20), { actor });

      // A process starts with the new key and the old one as previous: the new key is active.
      await verifyMasterKey(t.redis, mkKeys, both);
      const refused = stale.put(owner, 'pending', secretOf(21), { actor });
      await expect(refused).rejects.toThrow(TransientError);
      await expect(refused).rejects.toMatchObject({
        code: 'config_invalid',
        message: expect.stringMatching(
          new RegExp(
            `sealed under master key ${oldOnly.current.id}.*active master key is now ${both.current.id}`,
          ),
        ),
      });
      expect(await t.redis.hexists(mkKeys.vault(owner), 'stage:pending')).toBe(0);
      await expect(verifyMasterKey(t.redis, mkKeys, oldOnly)).rejects.toMatchObject({
        code: 'config_invalid',
        message: expect.stringMatching(/^IAM_PAM_MASTER_KEY: the vault's active master key is/),
      });
      await fresh.put(owner, 'pending', secretOf(22), { actor });

      // While rekey's first pass runs, a version under the old key lands in a record it has
      // already scanned (written just before the key changed): the next pass must find it.
      let injected = false;
      const report = await rekeyVault(
        { redis: t.redis, keys: mkKeys, keyring: both, audit, actor },
        () => {
          if (!injected) {
            injected = true;
            void injectOldVersion(mkKeys, owner, oldOnly);
          }
        },
      );
      expect(injected).toBe(true);
      expect(report.passes).toBe(3);
      expect(report.unreadable).toEqual([]);
      const versions = await fresh.versions(owner);
      expect(versions.map((v) => v.masterKeyId)).toEqual(versions.map(() => both.current.id));
      // Versions and pointers alike: the new key alone reads every stage.
      const newOnly = vaultOn(t.redis, createKeyring(NEW), mkKeys);
      expect(await newOnly.read(owner, 'current')).toEqual(secretOf(20));
      expect(await newOnly.read(owner, 'pending')).toEqual(secretOf(22));
      expect(await newOnly.read(owner, 'previous')).toEqual(secretOf(23));
    } finally {
      await deletePrefix(t.redis, `${t.prefix}-mk`);
    }
  });
});

/** A version sealed under `keyring`'s key, put at `previous` by hand (as Redis would hold it). */
async function injectOldVersion(k: ReturnType<typeof createKeys>, owner: string, keyring: Keyring) {
  const versionId = `injected-${randomBytes(4).toString('hex')}`;
  const stored: StoredVersion = {
    versionId,
    kind: 'access-key',
    accessKeyId: secretOf(23).accessKeyId,
    createdAt: new Date().toISOString(),
    envelope: seal(JSON.stringify(secretOf(23)), keyring.current, additionalData(owner, versionId)),
  };
  await t.redis.hset(k.vault(owner), {
    [`version:${versionId}`]: JSON.stringify(stored),
    'stage:previous': versionId,
    'mac:previous': pointerMac(keyring.current, owner, 'previous', versionId),
  });
}

describe('a stage read', () => {
  it('reads the stage and its version in one step: never empty while promotes run', async () => {
    const owner = 'prod/ruth/access-key';
    const writerRedis = new Redis(t.url);
    extra.push(writerRedis);
    const writer = vaultOn(writerRedis, createKeyring(KEY));
    for (const n of [30, 31, 32]) {
      await writer.put(owner, 'pending', secretOf(n), { actor });
      await writer.promote(owner, { actor });
    }
    let writing = true;
    const promotes = (async () => {
      for (let n = 33; n < 133; n += 1) {
        await writer.put(owner, 'pending', secretOf(n), { actor });
        await writer.promote(owner, { actor });
      }
    })().finally(() => {
      writing = false;
    });
    let reads = 0;
    const empty: number[] = [];
    while (writing) {
      // `previous` is always set here; each promote forgets the version it pointed at.
      if ((await vault.read(owner, 'previous')) === undefined) {
        empty.push(reads);
      }
      reads += 1;
    }
    await promotes;
    expect(reads).toBeGreaterThan(0);
    expect(empty).toEqual([]);
  });
});

describe('a stage pointer', () => {
  it('carries a MAC under the master key: a pointer moved, copied or stripped is refused loudly', async () => {
    const owner = 'prod/sam/access-key';
    const record = keys.vault(owner);
    await vault.put(owner, 'current', secretOf(40), { actor });
    await vault.put(owner, 'pending', secretOf(41), { actor });
    await vault.promote(owner, { actor });
    const [currentId, previousId] = await t.redis.hmget(record, 'stage:current', 'stage:previous');
    const unreadable = {
      code: 'vault_unreadable',
      message: expect.stringMatching(/current pointer/),
    };

    // Rolled back: `current` pointed at the older version (still there, as `previous`).
    await t.redis.hset(record, 'stage:current', previousId!);
    await expect(vault.read(owner, 'current')).rejects.toMatchObject({
      ...unreadable,
      message: expect.stringMatching(/failed authentication/),
    });
    await expect(vault.versionIdAt(owner, 'current')).rejects.toMatchObject(unreadable);
    // Nor does a promote launder it into a freshly authenticated `previous`.
    await vault.put(owner, 'pending', secretOf(42), { actor });
    await expect(vault.promote(owner, { actor })).rejects.toMatchObject(unreadable);

    // With the MAC `previous` had for that version: bound to its stage, it does not fit.
    await t.redis.hset(record, 'mac:current', (await t.redis.hget(record, 'mac:previous'))!);
    await expect(vault.read(owner, 'current')).rejects.toMatchObject(unreadable);
    // Stripped of its MAC.
    await t.redis.hset(record, 'stage:current', currentId!);
    await t.redis.hdel(record, 'mac:current');
    await expect(vault.read(owner, 'current')).rejects.toMatchObject({
      ...unreadable,
      message: expect.stringMatching(/carries no MAC/),
    });
    // The other stages still read; clearing the bad pointer is how it is got rid of.
    expect(await vault.read(owner, 'previous')).toEqual(secretOf(40));
    await vault.clear(owner, 'current', { actor });
    expect(await vault.read(owner, 'current')).toBeUndefined();
  });
});

/** Where Redis has replicas, a vault write returns only once they have it (WAIT). */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { createAuditLog } from '../../src/audit/audit-log.ts';
import { TransientError } from '../../src/errors.ts';
import { createKeys } from '../../src/keys.ts';
import { createKeyring } from '../../src/vault/keyring.ts';
import { createRedisVault } from '../../src/vault/redis-vault.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterAll(() => {
  clients.forEach((c) => c.disconnect());
  servers.forEach((s) => s.stop());
});

describe('vault writes with a replica', () => {
  it('reach the replica before they return; when it does not acknowledge, fail retryably, and the retry finds the work done', async () => {
    // No diskless-sync delay: the replica is online in milliseconds, not 5 s.
    const primary = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
    servers.push(primary);
    const port = new URL(primary.url).port;
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', port] });
    servers.push(replica);
    const redis = new Redis(primary.url);
    const replicaClient = new Redis(replica.url);
    clients.push(redis, replicaClient);
    replicaClient.on('error', () => undefined);
    await waitFor('replica link', async () =>
      /slave0:.*state=online/.test(await redis.info('replication')) ? true : undefined,
    );

    const keys = createKeys('replicated');
    const vault = createRedisVault({
      redis,
      keys,
      keyring: createKeyring(randomBytes(32).toString('base64')),
      audit: createAuditLog(redis, keys),
      replicaWaitMs: 2_000,
    });
    const secret = {
      accessKeyId: 'AKIAREPLICATEDKEY000',
      secretAccessKey: randomBytes(20).toString('hex'),
    };
    const pending = await vault.put('prod/alice/access-key', 'pending', secret, { actor: 'test' });
    // Returned only after the replica acknowledged: the record is already there.
    expect(
      await replicaClient.hget(keys.vault('prod/alice/access-key'), 'stage:pending'),
    ).not.toBeNull();

    // A replica that is connected but does not answer: it cannot acknowledge.
    process.kill(replica.pid, 'SIGSTOP');
    const promote = () =>
      vault.promote('prod/alice/access-key', { actor: 'test', versionId: pending.versionId });
    const refused = promote();
    await expect(refused).rejects.toThrow(TransientError);
    await expect(refused).rejects.toMatchObject({ code: 'redis_unavailable' });
    // Applied on the primary and audited as done; only the replicas' acknowledgement was missing.
    expect(await redis.hget(keys.vault('prod/alice/access-key'), 'stage:current')).toBe(
      pending.versionId,
    );
    const audit = createAuditLog(redis, keys);
    expect((await audit.list({ limit: 5 })).map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'vault.promote:ok',
      'vault.put.pending:ok',
    ]);

    // Once the replica answers again, the retry succeeds: it was promoted already.
    process.kill(replica.pid, 'SIGCONT');
    await expect(promote()).resolves.toBeUndefined();
    expect(
      (await audit.list({ limit: 5 })).filter((e) => e.action === 'vault.promote'),
    ).toHaveLength(1);
  }, 30_000);
});

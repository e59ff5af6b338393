/** Where Redis has replicas, a vault write returns only once they have it (WAIT). */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { createAuditLog } from '../../src/audit/audit-log.ts';
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
  it('reach the replica before they return, and fail (retryable) when it does not acknowledge', async () => {
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
    await vault.put('prod/alice/access-key', 'pending', secret, { actor: 'test' });
    // Returned only after the replica acknowledged: the record is already there.
    expect(
      await replicaClient.hget(keys.vault('prod/alice/access-key'), 'stage:pending'),
    ).not.toBeNull();

    replica.stop();
    await expect(vault.promote('prod/alice/access-key', { actor: 'test' })).rejects.toMatchObject({
      code: 'redis_unavailable',
      retryable: true,
    });
  }, 30_000);
});

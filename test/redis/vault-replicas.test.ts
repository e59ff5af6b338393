/**
 * IAM_PAM_MIN_REPLICAS on a loopback primary with one replica (`redis-server --replicaof`): a
 * fenced write (the user lease, the vault) returns only once the replica has it, and with the
 * replica gone a write waiting for it fails, naming the count, instead of passing.
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { createAuditLog } from '../../src/audit/audit-log.ts';
import { TransientError } from '../../src/errors.ts';
import { createKeys } from '../../src/keys.ts';
import { createReplicaWait } from '../../src/queue/replica-wait.ts';
import { createUserLeases } from '../../src/queue/user-lease.ts';
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

const NAMES_THE_COUNT =
  /acknowledged by 0 of the 1 replica\(s\) IAM_PAM_MIN_REPLICAS requires .*bring the replicas back, or set IAM_PAM_MIN_REPLICAS/;

describe('fenced writes with IAM_PAM_MIN_REPLICAS=1', () => {
  it('reach the replica before they return; with the replica paused or gone they fail clearly, and a retry finds the work done', async () => {
    // No diskless-sync delay: the replica is online in milliseconds, not 5 s.
    const primary = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
    servers.push(primary);
    const port = new URL(primary.url).port;
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', port] });
    servers.push(replica);
    const redis = new Redis(primary.url);
    const leaseRedis = new Redis(primary.url);
    const replicaClient = new Redis(replica.url);
    clients.push(redis, leaseRedis, replicaClient);
    replicaClient.on('error', () => undefined);
    await waitFor('replica link', async () =>
      /slave0:.*state=online/.test(await redis.info('replication')) ? true : undefined,
    );
    // A replica fresh from its first sync may take a second to acknowledge anything.
    await redis.set('warm-up', '1');
    expect(await redis.wait(1, 5_000)).toBe(1);

    const keys = createKeys('replicated');
    const leases = createUserLeases({
      redis: leaseRedis,
      keys,
      ttlMs: 10_000,
      waitForReplicas: createReplicaWait({ redis: leaseRedis, minReplicas: 1, timeoutMs: 500 }),
    });
    const vault = createRedisVault({
      redis,
      keys,
      keyring: createKeyring(randomBytes(32).toString('base64')),
      audit: createAuditLog(redis, keys),
      minReplicas: 1,
      replicaWaitMs: 500,
    });
    const owner = 'prod/alice/access-key';
    const alice = { provider: 'prod', userName: 'alice' };

    // The lease is on the replica by the time acquire returns.
    const lease = await leases.acquire(alice);
    if (!lease.acquired) {
      throw new Error('the lease on alice was not acquired');
    }
    expect(await replicaClient.get(keys.userLease('prod', 'alice'))).toBe(lease.value);
    const fence = { user: alice, fencingToken: lease.token, value: lease.value };

    // So is a fenced vault write.
    const pending = await vault.put(
      owner,
      'pending',
      { accessKeyId: 'AKIAREPLICATEDKEY000', secretAccessKey: randomBytes(20).toString('hex') },
      { actor: 'test', fence },
    );
    expect(await replicaClient.hget(keys.vault(owner), 'stage:pending')).toBe(pending.versionId);

    // A replica that is connected but does not answer: it cannot acknowledge.
    process.kill(replica.pid, 'SIGSTOP');
    const promote = () =>
      vault.promote(owner, { actor: 'test', fence, versionId: pending.versionId });
    const refused = promote();
    await expect(refused).rejects.toThrow(TransientError);
    await expect(refused).rejects.toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(NAMES_THE_COUNT),
    });
    // Applied on the primary and audited as done; only the replicas' acknowledgement was missing.
    expect(await redis.hget(keys.vault(owner), 'stage:current')).toBe(pending.versionId);
    const audit = createAuditLog(redis, keys);
    expect((await audit.list({ limit: 5 })).map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'vault.promote:ok',
      'vault.put.pending:ok',
    ]);
    // Once the replica answers again, the retry succeeds: it was promoted already.
    process.kill(replica.pid, 'SIGCONT');
    await expect(promote()).resolves.toBeUndefined();
    // The repeat is audited as such: it changed nothing.
    expect(
      (await audit.list({ limit: 5 }))
        .filter((e) => e.action === 'vault.promote')
        .map((e) => e.detail),
    ).toEqual([{ already: true }, undefined]);

    // The replica gone: the primary counts no connected replica, and a write that needs one
    // still waits for one (counting the connected ones would skip the wait and pass).
    replica.stop();
    await waitFor('the primary to see its replica gone', async () =>
      /connected_slaves:0/.test(await redis.info('replication')) ? true : undefined,
    );
    await expect(
      vault.put(
        owner,
        'pending',
        { accessKeyId: 'AKIAREPLICATEDKEY001', secretAccessKey: randomBytes(20).toString('hex') },
        { actor: 'test', fence },
      ),
    ).rejects.toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(/\(0 connected to the primary\)/),
    });
    // A lease that no replica has is given up, not worked under.
    const bob = { provider: 'prod', userName: 'bob' };
    await expect(leases.acquire(bob)).rejects.toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(NAMES_THE_COUNT),
    });
    expect(await redis.exists(keys.userLease('prod', 'bob'))).toBe(0);
  }, 30_000);
});

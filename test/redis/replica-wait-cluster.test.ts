/**
 * On Redis Cluster, a fenced write waits for the replicas of the shard that holds its key: WAIT
 * and INFO go to that slot's master, not to whichever master a keyless command would reach.
 * A private 3-node cluster on loopback: master A (slots 0–8191) with replica A', master B
 * (8192–16383) without one.
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { keySlot } from '../../src/queue/key-slot.ts';
import { createReplicaWait } from '../../src/queue/replica-wait.ts';
import { freePort } from '../support/free-port.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

const servers: RedisServer[] = [];
const clients: Array<{ disconnect(): void }> = [];
afterAll(() => {
  clients.forEach((c) => c.disconnect());
  servers.forEach((s) => s.stop());
});

/** A cluster-enabled redis-server (its bus on a port of its own: port + 10000 may not exist). */
async function clusterNode(): Promise<{
  server: RedisServer;
  redis: Redis;
  port: number;
  busPort: number;
}> {
  const busPort = await freePort();
  const server = await startRedisServer({
    args: [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-port',
      String(busPort),
      '--repl-diskless-sync-delay',
      '0',
    ],
  });
  servers.push(server);
  const redis = new Redis(server.url);
  clients.push(redis);
  return { server, redis, port: Number(new URL(server.url).port), busPort };
}

/** A key prefix (as keys.ts builds keys: `{prefix}:…`) whose slot is in [from, to]. */
function prefixInSlots(from: number, to: number): string {
  for (let i = 0; ; i += 1) {
    const slot = keySlot(`{shard-${i}}`);
    if (slot >= from && slot <= to) {
      return `shard-${i}`;
    }
  }
}

describe('waiting for replicas on Redis Cluster', () => {
  it("sends WAIT to the master of the key's slot: its replica acknowledges; the other shard has none", async () => {
    const [a, replica, b] = [await clusterNode(), await clusterNode(), await clusterNode()];
    await a.redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
    await b.redis.call('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
    for (const node of [b, replica]) {
      await a.redis.call('CLUSTER', 'MEET', '127.0.0.1', String(node.port), String(node.busPort));
    }
    const aId = (await a.redis.call('CLUSTER', 'MYID')) as string;
    await waitFor('the replica to know master A', async () =>
      ((await replica.redis.call('CLUSTER', 'NODES')) as string).includes(aId) ? true : undefined,
    );
    await replica.redis.call('CLUSTER', 'REPLICATE', aId);
    await waitFor(
      'a cluster in state ok, with A replicated',
      async () => {
        for (const node of [a, replica, b]) {
          if (
            !((await node.redis.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok')
          ) {
            return undefined;
          }
        }
        return /slave0:.*state=online/.test(await a.redis.info('replication')) ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );

    const onA = `{${prefixInSlots(0, 8191)}}:lease:prod/alice`;
    const onB = `{${prefixInSlots(8192, 16383)}}:lease:prod/bob`;
    // Our slot function agrees with the cluster's.
    expect(await a.redis.call('CLUSTER', 'KEYSLOT', onA)).toBe(keySlot(onA));
    expect(await a.redis.call('CLUSTER', 'KEYSLOT', onB)).toBe(keySlot(onB));

    const cluster = new Cluster([{ host: '127.0.0.1', port: b.port }]);
    clients.push(cluster);
    await waitFor('the cluster client', () => (cluster.status === 'ready' ? true : undefined));
    // A replica fresh from its first sync may take a second to acknowledge anything.
    await cluster.set(onA, 'warm-up');
    await waitFor(
      'the replica to acknowledge',
      async () => ((await a.redis.wait(1, 1_000)) === 1 ? true : undefined),
      { timeoutMs: 10_000 },
    );

    // A cluster replica serves reads only once told so.
    await replica.redis.call('READONLY');
    const waitForReplicas = createReplicaWait({ redis: cluster, minReplicas: 1, timeoutMs: 500 });
    for (let i = 0; i < 5; i += 1) {
      await cluster.set(onA, `value-${i}`);
      await waitForReplicas(onA);
      expect(await replica.redis.call('GET', onA)).toBe(`value-${i}`);
    }
    await cluster.set(onB, 'no replica here');
    await expect(waitForReplicas(onB)).rejects.toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(/acknowledged by 0 of the 1 replica\(s\).*\(0 connected/),
    });
  }, 60_000);
});

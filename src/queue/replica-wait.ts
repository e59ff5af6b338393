/**
 * After a fenced write (a lease, the journal, the vault): waits until IAM_PAM_MIN_REPLICAS
 * replicas have it, so a failover cannot lose it. The count is configured, never read from
 * `connected_slaves`: a replica that is briefly disconnected must make writes wait (and fail),
 * not make them skip the wait.
 *
 * `WAIT` counts the replicas that acknowledged every write made so far on the connection it is
 * sent on, so it goes where the write went: the caller's connection, or on Redis Cluster the
 * connection to the master that holds the key's slot (a keyless command would go to a random
 * master, which guarantees nothing for that key's shard). `INFO` goes there too, to say how many
 * replicas are connected when the wait falls short.
 */
import { Cluster, type Redis } from 'ioredis';

import { TransientError } from '../errors.ts';
import { keySlot } from './key-slot.ts';
import type { RedisConnection } from './redis-connections.ts';

/** After a fenced write: waits until enough replicas have `key`'s slot's writes. */
export type WaitForReplicas = (key: string) => Promise<void>;

/** The connection that wrote `key`: the Cluster's master for its slot, else the connection itself. */
function connectionFor(redis: RedisConnection, key: string): Redis {
  if (!(redis instanceof Cluster)) {
    return redis;
  }
  const cluster = redis;
  const nodeKey = cluster.slots[keySlot(key)]?.[0];
  const master = cluster
    .nodes('master')
    .find((node) => `${node.options.host}:${node.options.port}` === nodeKey);
  if (master === undefined) {
    throw new TransientError(
      'redis_unavailable',
      `Redis Cluster: no master known for the slot of ${key} (the cluster is resharding or failing over); retrying is safe`,
    );
  }
  return master;
}

export function createReplicaWait(options: {
  redis: RedisConnection;
  /** IAM_PAM_MIN_REPLICAS; 0 waits for nothing. */
  minReplicas: number;
  /** How long one write waits for them; default 1 s. */
  timeoutMs?: number;
}): WaitForReplicas {
  const { redis, minReplicas } = options;
  const timeoutMs = options.timeoutMs ?? 1_000;
  if (minReplicas === 0) {
    return async () => undefined;
  }
  return async (key) => {
    const connection = connectionFor(redis, key);
    const acknowledged = await connection.wait(minReplicas, timeoutMs);
    if (acknowledged >= minReplicas) {
      return;
    }
    const info = await connection.info('replication').catch(() => '');
    const connected = /connected_slaves:(\d+)/.exec(info)?.[1] ?? '?';
    throw new TransientError(
      'redis_unavailable',
      `Redis write applied but acknowledged by ${acknowledged} of the ${minReplicas} replica(s) IAM_PAM_MIN_REPLICAS requires within ${timeoutMs} ms (${connected} connected to the primary): bring the replicas back, or set IAM_PAM_MIN_REPLICAS to the replicas this Redis has; retrying is safe`,
    );
  };
}

/**
 * Redis connections, following BullMQ's production guide: workers wait for Redis forever
 * (`maxRetriesPerRequest: null`), producers and the CLI fail fast, and the user leases fail
 * faster still: every command gives up after `commandTimeoutMs`, so a link that goes silent
 * (no reset, no answer) cannot hang a renewal. Every connection has an `error` listener, so a
 * Redis outage is logged rather than thrown as an unhandled event.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

import type { AppConfig } from '../config/load-config.ts';
import type { Logger } from '../logger.ts';

export type RedisConnection = Redis | Cluster;
/**
 * `cli`: a short-lived command gives up after a few reconnects instead of waiting forever.
 * `lease`: the user leases' own connection (its command timeout comes from lease-timing.ts).
 */
export type ConnectionRole = 'worker' | 'producer' | 'cli' | 'lease';

const FAIL_FAST: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  connectTimeout: 5_000,
};

const ROLE_OPTIONS: Record<ConnectionRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null, enableReadyCheck: true },
  producer: FAIL_FAST,
  // A renewal is never re-sent after a reconnect: the next one is due soon anyway.
  lease: { ...FAIL_FAST, maxRetriesPerRequest: 0 },
  cli: { ...FAIL_FAST, retryStrategy: (times) => (times > 3 ? null : 200 * times) },
};

/** The URL without its password, for messages and logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

export function createRedisConnection(
  redis: AppConfig['redis'],
  role: ConnectionRole,
  log: Logger,
  tuning: { commandTimeoutMs?: number } = {},
): RedisConnection {
  const options: RedisOptions = { ...ROLE_OPTIONS[role], commandTimeout: tuning.commandTimeoutMs };
  let connection: RedisConnection;
  if (redis.cluster !== undefined) {
    connection = new Cluster(redis.cluster.nodes, {
      ...redis.cluster.options,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      redisOptions: { ...options },
    });
  } else if (redis.sentinel !== undefined) {
    connection = new Redis({
      ...redis.sentinel.options,
      ...options,
      sentinels: redis.sentinel.sentinels,
      name: redis.sentinel.name,
    });
  } else {
    connection = new Redis(redis.url, options);
  }
  let lastMessage = '';
  // Until the first connection, the start-up check (checkRedis) says what is wrong in one line;
  // a logged warning with a stack before it would only repeat it.
  let connectedOnce = false;
  connection.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt: log each distinct one once.
    if (connectedOnce && err.message !== lastMessage) {
      lastMessage = err.message;
      log.warn({ err, role, redis: describeRedisUrl(redis.url) }, 'redis connection error');
    }
  });
  connection.on('ready', () => {
    connectedOnce = true;
    lastMessage = '';
  });
  return connection;
}

/**
 * Resolves when the connection is ready; rejects on its first connection error (a refused or
 * unknown host answers at once, not after the timeout) or after `timeoutMs`.
 */
export function waitUntilReady(connection: RedisConnection, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`not ready after ${timeoutMs} ms (${connection.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('connection closed'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('end', onEnd);
      connection.off('error', onError);
    };
    connection.on('ready', onReady);
    connection.on('end', onEnd);
    connection.on('error', onError);
  });
}

/**
 * The one recogniser of "Redis is not there" errors, whichever layer they come through (ioredis,
 * BullMQ, our scripts). The HTTP API answers them 503 and the CLI exits 3, both as the catalogued
 * `redis_unavailable` saying what to do, instead of a 500 or exit 1 in ioredis's own words.
 */
import type { AppConfig } from '../config/load-config.ts';
import { isAppError, TransientError } from '../errors.ts';

/** Socket errors of a refused, reset, timed-out or unresolvable connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** ioredis's errors for a command it gave up on, or a cluster it cannot reach. */
const IOREDIS_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/** ioredis's errors (plain `Error`s) for a connection that is closed, offline or gone. */
const IOREDIS_MESSAGES = [
  /^Connection is closed\.$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Cluster isn't ready and enableOfflineQueue options is false$/,
  /^None of startup nodes is available$/,
  /^Cluster is (disconnected|disconnecting|ended)\.$/,
  /^All sentinels are unreachable/,
];

/**
 * Replies of a server that is up but cannot serve us for now: loading its data set, a replica
 * that was the master before a failover, a cluster or sentinel set without a master.
 */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN) /;

/** How deep `cause` chains are followed (wrappers rarely nest more than twice). */
const MAX_CAUSES = 4;

/**
 * A socket error is Redis's only when nothing says it is another connection's: the AWS SDK's
 * errors carry `$metadata`, and a refused connection names its port. `ports` is undefined when
 * Redis's ports are not known in advance (sentinel, cluster).
 */
function isRedisSocketFailure(err: Error, ports: ReadonlySet<number> | undefined): boolean {
  const { code, port } = err as { code?: unknown; port?: unknown };
  if (typeof code !== 'string' || !NETWORK_CODES.has(code) || '$metadata' in err) {
    return false;
  }
  return ports === undefined || typeof port !== 'number' || ports.has(port);
}

function isConnectionFailure(err: Error, ports: ReadonlySet<number> | undefined): boolean {
  return (
    isRedisSocketFailure(err, ports) ||
    IOREDIS_NAMES.has(err.name) ||
    IOREDIS_MESSAGES.some((pattern) => pattern.test(err.message)) ||
    (err.name === 'ReplyError' && UNAVAILABLE_REPLY.test(err.message))
  );
}

/**
 * ioredis gave up waiting for the answer (the connection's `commandTimeout`): Redis may still
 * have run the command.
 */
export function isCommandTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

/** The ports Redis is reached on, when the configuration names them all. */
function redisPorts(redis: AppConfig['redis'] | undefined): ReadonlySet<number> | undefined {
  // Sentinel's master and a cluster's other nodes are discovered: their ports are not known.
  if (redis === undefined || redis.sentinel !== undefined || redis.cluster !== undefined) {
    return undefined;
  }
  try {
    return new Set([Number(new URL(redis.url).port || '6379')]);
  } catch {
    return undefined;
  }
}

/**
 * Whether `err` (or what it wraps) says Redis cannot be reached or cannot serve. Our own
 * catalogued errors are not: they already say what happened.
 */
export function isRedisConnectionError(err: unknown, redis?: AppConfig['redis']): boolean {
  const ports = redisPorts(redis);
  let current = err;
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth += 1) {
    if (isAppError(current)) {
      return false;
    }
    if (isConnectionFailure(current, ports)) {
      return true;
    }
    current = current.cause;
  }
  return false;
}

/** Where Redis is, as `host:port` (or the cluster's or sentinels' nodes): never credentials. */
export function describeRedisLocation(redis: AppConfig['redis']): string {
  const nodes = (list: ReadonlyArray<{ host: string; port: number }>) =>
    list.map(({ host, port }) => `${host}:${port}`).join(',');
  if (redis.cluster !== undefined) {
    return `cluster ${nodes(redis.cluster.nodes)}`;
  }
  if (redis.sentinel !== undefined) {
    return `sentinel master "${redis.sentinel.name}" via ${nodes(redis.sentinel.sentinels)}`;
  }
  try {
    const url = new URL(redis.url);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/**
 * The catalogued `redis_unavailable` for a recognised Redis error, with what to do next; any
 * other error is returned as it is.
 */
export function toRedisUnavailable(err: unknown, redis: AppConfig['redis']): unknown {
  if (!isRedisConnectionError(err, redis)) {
    return err;
  }
  return new TransientError(
    'redis_unavailable',
    `Redis at ${describeRedisLocation(redis)} is unreachable (${(err as Error).message}); check it is running and that REDIS_URL (or the config file) points at it, then try again`,
    { cause: err },
  );
}

/** The start-up check every process runs: Redis answers, and will not evict BullMQ's data. */
import type { AppConfig } from '../config/load-config.ts';
import { PermanentError, TransientError } from '../errors.ts';
import { describeRedisUrl, type RedisConnection, waitUntilReady } from './redis-connections.ts';

export const REQUIRED_EVICTION_POLICY = 'noeviction';

/** Throws `redis_unavailable` (exit 3) or `redis_misconfigured` (exit 3) with what to do next. */
export async function checkRedis(
  connection: RedisConnection,
  redis: AppConfig['redis'],
  timeoutMs = 5_000,
): Promise<void> {
  const where = describeRedisUrl(redis.url);
  try {
    await waitUntilReady(connection, timeoutMs);
  } catch (err) {
    throw new TransientError(
      'redis_unavailable',
      `Redis at ${where} is unreachable (${(err as Error).message}); start redis-server or set REDIS_URL`,
      { cause: err },
    );
  }
  // INFO works where CONFIG is disabled (managed Redis services rename it).
  const info = await (connection as { info(section: string): Promise<string> }).info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy !== undefined && policy !== REQUIRED_EVICTION_POLICY) {
    throw new PermanentError(
      'redis_misconfigured',
      `Redis at ${where} has maxmemory-policy ${policy}; BullMQ needs ${REQUIRED_EVICTION_POLICY}, or Redis may evict queued jobs and vault records: run "redis-cli config set maxmemory-policy noeviction" and set it in redis.conf`,
    );
  }
}

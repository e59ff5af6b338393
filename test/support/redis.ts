/**
 * A real Redis for one test file: its own key prefix (`test-<uuid>`), a connection, and an
 * `afterAll` that deletes every key under the prefix. Files run in parallel on one server.
 */
import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';

import type { AppConfig } from '../../src/config/load-config.ts';

export interface TestRedis {
  url: string;
  /** The IAM_PAM_PREFIX of this file; keys live under `{prefix}`. */
  prefix: string;
  redis: Redis;
  /** `config.redis` for code under test. */
  redisConfig: AppConfig['redis'];
  /** Environment for child processes: REDIS_URL and IAM_PAM_PREFIX. */
  env: Record<string, string>;
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** Deletes every key of a prefix (`{prefix}…`). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
}

export function useTestRedis(): TestRedis {
  const url = testRedisUrl();
  const prefix = `test-${randomUUID().slice(0, 12)}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  return {
    url,
    prefix,
    redis,
    redisConfig: { url, prefix, cluster: undefined, sentinel: undefined },
    env: { REDIS_URL: url, IAM_PAM_PREFIX: prefix },
  };
}

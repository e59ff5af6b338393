/** The start-up check against real redis-servers: one that evicts, and one that is not there. */
import { afterAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.ts';
import { checkRedis } from '../../src/queue/check-redis.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import { freePort } from '../support/free-port.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';

const log = createLogger({ level: 'silent', stream: 'stderr' });
const servers: RedisServer[] = [];

afterAll(() => {
  for (const server of servers) {
    server.stop();
  }
});

describe('checkRedis', () => {
  it('refuses a Redis that may evict keys, and says how to fix it', async () => {
    const server = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    servers.push(server);
    const redis = { url: server.url, prefix: 'x', cluster: undefined, sentinel: undefined };
    const connection = createRedisConnection(redis, 'producer', log);
    await expect(checkRedis(connection, redis)).rejects.toMatchObject({
      code: 'redis_misconfigured',
      message: expect.stringMatching(
        /maxmemory-policy allkeys-lru; BullMQ needs noeviction.*config set maxmemory-policy noeviction/,
      ),
    });
    connection.disconnect();
  });

  it('reports an unreachable Redis with its address (password hidden) and what to do', async () => {
    const port = await freePort();
    const redis = {
      url: `redis://:hunter2hunter2@127.0.0.1:${port}`,
      prefix: 'x',
      cluster: undefined,
      sentinel: undefined,
    };
    const connection = createRedisConnection(redis, 'producer', log);
    const failure = await checkRedis(connection, redis, 1_000).catch((err: Error) => err);
    expect(failure).toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(
        /^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is unreachable .*start redis-server or set REDIS_URL$/,
      ),
    });
    expect((failure as Error).message).not.toContain('hunter2');
    connection.disconnect();
  });
});

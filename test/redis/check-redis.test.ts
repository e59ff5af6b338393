/** The start-up check against real redis-servers: one that evicts, and one that is not there. */
import { spawn } from 'node:child_process';

import { afterAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.ts';
import { checkRedis } from '../../src/queue/check-redis.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait-for.ts';

const log = createLogger({ level: 'silent', stream: 'stderr' });
const stops: Array<() => void> = [];

afterAll(() => {
  for (const stop of stops) {
    stop();
  }
});

describe('checkRedis', () => {
  it('refuses a Redis that may evict keys, and says how to fix it', async () => {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--maxmemory-policy',
        'allkeys-lru',
      ],
      { stdio: 'ignore' },
    );
    stops.push(() => child.kill('SIGKILL'));
    const redis = {
      url: `redis://127.0.0.1:${port}`,
      prefix: 'x',
      cluster: undefined,
      sentinel: undefined,
    };
    const connection = createRedisConnection(redis, 'producer', log);
    await waitFor('redis', async () =>
      (await connection.ping().catch(() => undefined)) === 'PONG' ? true : undefined,
    );
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

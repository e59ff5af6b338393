/**
 * The demo's Redis: one that may evict is refused in one line (exit 3) before anything starts,
 * an unreachable REDIS_URL likewise; the private redis-server it starts when none answers
 * serves with `noeviction` and is gone once stopped.
 */
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import type { ProcessControl } from '../../src/cli/cli-context.ts';
import { runCli } from '../../src/cli/program.ts';
import { redisAnswers, startPrivateRedis } from '../../src/demo/private-redis.ts';
import { freePort } from '../support/free-port.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { Redis } from 'ioredis';

const servers: RedisServer[] = [];
afterAll(() => servers.forEach((server) => server.stop()));

/** `iam-pam demo --once` in this process; it must stop before starting any process. */
async function demoWith(env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  // Signals are never sent here: an emitter stands in for the process.
  const proc = Object.assign(new EventEmitter(), {
    exit: () => undefined,
  }) as unknown as ProcessControl;
  const code = await runCli(['demo', '--once'], {
    env,
    stdout,
    stderr,
    stdin: Readable.from([]),
    process: proc,
    // Would fail loudly if the demo got as far as starting a worker.
    self: { command: '/nonexistent/iam-pam', args: [] },
  });
  return { code, stdout: out, stderr: err };
}

describe('the demo refuses a Redis it cannot use', () => {
  it('refuses, in one line and exit 3, a Redis whose maxmemory-policy may evict', async () => {
    const lru = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    servers.push(lru);
    const result = await demoWith({ REDIS_URL: lru.url });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/maxmemory-policy allkeys-lru; BullMQ needs noeviction/);
    // Nothing was written there.
    const redis = new Redis(lru.url);
    expect(await redis.dbsize()).toBe(0);
    redis.disconnect();
  });

  it('says in one line, exit 3, that REDIS_URL does not answer', async () => {
    const result = await demoWith({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(result.code).toBe(3);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/unreachable/);
  });
});

describe('the private redis-server', () => {
  it('serves with noeviction on 127.0.0.1 and is gone once stopped', async () => {
    const started = await startPrivateRedis();
    expect(started, 'redis-server is installed on these machines').toBeDefined();
    const { url } = started!;
    const redis = new Redis(url);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'noeviction',
    ]);
    redis.disconnect();
    await started!.stop();
    expect(await redisAnswers(url)).toBe(false);
  });
});

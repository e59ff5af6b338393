/**
 * The demo's Redis: one that may evict is refused in one line (exit 3) before anything starts,
 * an unreachable REDIS_URL likewise; the private redis-server it starts when none answers
 * serves with `noeviction` and is gone once stopped; a demo deletes the keys a killed one left.
 */
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import type { ProcessControl } from '../../src/cli/cli-context.ts';
import { runCli } from '../../src/cli/program.ts';
import { keepAlive, removeAbandoned } from '../../src/demo/demo-prefixes.ts';
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

describe("a killed demo's keys", () => {
  it('are deleted by the next demo; those of a running demo and of anything else are not', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const redis = new Redis(server.url);
    try {
      await redis.set('{iam-pam-demo-0000aa}:provider:demo', 'killed demo');
      await redis.set('{iam-pam-demo-0000aa}:events', 'killed demo');
      await redis.set('{iam-pam-demo-0000bb}:provider:demo', 'running demo');
      const stop = await keepAlive(redis, 'iam-pam-demo-0000bb');
      await redis.set('{iam-pam}:provider:prod', 'not a demo');
      await redis.set('{iam-pam-demo-other}:x', 'not a demo prefix');

      expect(await removeAbandoned(redis)).toEqual(['iam-pam-demo-0000aa']);
      expect((await redis.keys('*')).sort()).toEqual([
        '{iam-pam-demo-0000bb}:demo:alive',
        '{iam-pam-demo-0000bb}:provider:demo',
        '{iam-pam-demo-other}:x',
        '{iam-pam}:provider:prod',
      ]);
      stop();
    } finally {
      redis.disconnect();
    }
  });
});

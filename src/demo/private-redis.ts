/**
 * A private redis-server for the demo, when none answers: a free port on 127.0.0.1, no
 * persistence (a temporary directory, removed when it stops), and `noeviction`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { sleep } from '../sleep.ts';
import type { DemoRedis } from './choose-redis.ts';

/** Whether a Redis answers PING at `url` within about a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts one, or resolves undefined when redis-server is not installed. */
export async function startPrivateRedis(): Promise<DemoRedis | undefined> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'iam-pam-demo-redis-'));
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir, '--maxmemory-policy', 'noeviction'],
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const missing = await new Promise<boolean>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT'));
    child.once('spawn', () => resolve(false));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(3_000)]);
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  if (missing) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const url = `redis://127.0.0.1:${port}`;
  for (let tries = 0; tries < 50; tries++) {
    if (await redisAnswers(url)) {
      return { url, description: `a private redis-server on 127.0.0.1:${port}`, stop };
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the private redis-server on port ${port} did not answer within 5 s`);
}

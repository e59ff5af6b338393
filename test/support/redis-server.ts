/** Starts a private redis-server on a free port (the harness's own Redis, or one a test may kill). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface RedisServer {
  url: string;
  version: string;
  /** The running server's pid (a new one after `restart`). */
  readonly pid: number;
  stop(): void;
  /**
   * Kills the server (SIGKILL, as a crash or a failover does) and starts it again on the same
   * port and data directory: with `appendOnly`, what it had written comes back from its AOF.
   */
  restart(): Promise<void>;
}

/** The server's version, or a rejection when nothing answers at `url`. */
export async function pingRedis(url: string): Promise<string> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  } finally {
    redis.disconnect();
  }
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function startRedisServer(
  options: { maxmemoryPolicy?: string; args?: string[]; appendOnly?: boolean } = {},
): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'iam-pam-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    options.appendOnly === true ? 'yes' : 'no',
    '--dir',
    dir,
    '--maxmemory-policy',
    options.maxmemoryPolicy ?? 'noeviction',
    ...(options.args ?? []),
  ];
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    const version = await waitFor('private redis-server', () => pingRedis(url), {
      timeoutMs: 10_000,
    });
    return { child: started, version };
  };
  let { child, version } = await launch();
  return {
    url,
    version,
    get pid() {
      return child.pid ?? 0;
    },
    stop() {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      ({ child, version } = await launch());
    },
  };
}

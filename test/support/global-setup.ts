/**
 * Finds a real Redis for the whole run and hands its URL to every test file: REDIS_URL when
 * set; otherwise a private redis-server on a free port; otherwise testcontainers when a Docker
 * engine answers; otherwise a clear failure. It prints which one it used. Never a mock.
 */
import type { TestProject } from 'vitest/node';

import { hasRedisServer, pingRedis, startRedisServer } from './redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisSource: string;
  }
}

async function startContainerRedis(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', ''])
      .withExposedPorts(6379)
      .start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      stop: async () => {
        await container.stop();
      },
    };
  } catch {
    return undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  let stop: () => Promise<void> | void = () => undefined;
  let url: string;
  let source: string;
  if (given) {
    try {
      const version = await pingRedis(given);
      url = given;
      source = `REDIS_URL (${given.replace(/:[^:@/]*@/, ':***@')}, Redis ${version})`;
    } catch (err) {
      throw new Error(
        `REDIS_URL=${given} does not answer (${String(err)}); start Redis there or unset REDIS_URL to let the tests start their own redis-server`,
        { cause: err },
      );
    }
  } else {
    const local = hasRedisServer() ? await startRedisServer() : undefined;
    if (local) {
      url = local.url;
      source = `a private redis-server ${local.version} on ${local.url}, started for this run`;
      stop = local.stop;
    } else {
      const container = await startContainerRedis();
      if (!container) {
        throw new Error(
          'no Redis for the tests: REDIS_URL is unset, redis-server is not installed (apt-get install redis-server) and no Docker engine answers for testcontainers',
        );
      }
      url = container.url;
      source = `a testcontainers redis:7 on ${container.url}`;
      stop = container.stop;
    }
  }
  process.stderr.write(`[test harness] Redis: ${source}\n`);
  project.provide('redisUrl', url);
  project.provide('redisSource', source);
  return async () => {
    await stop();
  };
}

/**
 * A Lua script run by its SHA (EVALSHA), loaded on first use or after a Redis restart
 * (NOSCRIPT). Every key a script touches is passed in KEYS, all under `{<prefix>}`, so the
 * scripts also run on Redis Cluster.
 */
import { createHash } from 'node:crypto';

import type { RedisConnection } from './redis-connections.ts';

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

type Arg = string | number;
interface Evaluator {
  evalsha(sha: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
  eval(source: string, numKeys: number, ...args: Arg[]): Promise<unknown>;
}

export async function runScript(
  redis: RedisConnection,
  script: LuaScript,
  keys: readonly string[],
  args: readonly Arg[],
): Promise<unknown> {
  const client = redis as unknown as Evaluator;
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) {
      throw err;
    }
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}

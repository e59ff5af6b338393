/**
 * Runs a Lua script by its SHA, loading it on first use or after a Redis restart (NOSCRIPT).
 * Every key a script touches is passed in KEYS, all under `{<prefix>}`, so scripts also run on
 * Redis Cluster.
 */
import { createHash } from 'node:crypto';

import type { RedisConnection } from './redis-connections.ts';

export interface LuaScript {
  source: string;
  sha: string;
}

export function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

type Arg = string | number;
/** The two commands used, common to Redis and Cluster (their union has no callable signature). */
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
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return client.eval(script.source, keys.length, ...keys, ...args);
    }
    throw err;
  }
}

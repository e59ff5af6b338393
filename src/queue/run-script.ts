/** Runs a Lua script by its SHA, loading it on first use or after a Redis restart (NOSCRIPT). */
import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

export interface LuaScript {
  source: string;
  sha: string;
}

export function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: string[],
  args: Array<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return redis.eval(script.source, keys.length, ...keys, ...args);
    }
    throw err;
  }
}

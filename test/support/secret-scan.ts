/**
 * Scans every key of a Redis prefix, of every type, for secrets in plain text: strings, hashes,
 * lists, sets, sorted sets and streams (BullMQ keeps job data, results, failure reasons, stack
 * traces and logs in hashes and lists). Returns where each secret was found.
 */
import type { Redis } from 'ioredis';

export interface SecretFinding {
  key: string;
  type: string;
  secret: string;
}

async function valuesOf(redis: Redis, key: string, type: string): Promise<string[]> {
  switch (type) {
    case 'string':
      return [(await redis.get(key)) ?? ''];
    case 'hash':
      return Object.entries(await redis.hgetall(key)).flat();
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1');
    case 'stream': {
      const entries = await redis.xrange(key, '-', '+');
      return entries.flatMap(([id, fields]) => [id, ...fields]);
    }
    default:
      throw new Error(`secret scan: unknown Redis type "${type}" at ${key}`);
  }
}

/** Every place under `{prefix}` where one of `secrets` appears verbatim (also base64-encoded). */
export async function scanForSecrets(
  redis: Redis,
  prefix: string,
  secrets: readonly string[],
): Promise<SecretFinding[]> {
  const needles = secrets
    .filter((s) => s.length >= 6)
    .flatMap((s) => [s, Buffer.from(s).toString('base64')]);
  const findings: SecretFinding[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'none') {
        continue;
      }
      const haystack = (await valuesOf(redis, key, type)).join('\n') + `\n${key}`;
      for (const needle of needles) {
        if (haystack.includes(needle)) {
          findings.push({
            key,
            type,
            secret:
              secrets.find((s) => needle === s || needle === Buffer.from(s).toString('base64')) ??
              needle,
          });
        }
      }
    }
  } while (cursor !== '0');
  return findings;
}

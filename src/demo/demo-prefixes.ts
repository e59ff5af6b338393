/**
 * The demo's key prefixes (`iam-pam-demo-<hex>`) and their liveness: a running demo keeps a
 * short-lived `alive` key under its prefix, written before any other. A demo that was killed
 * (SIGKILL) could not delete its keys; the next demo finds prefixes without an `alive` key and
 * deletes them. Nothing outside `{iam-pam-demo-<hex>}` is ever touched.
 */
import type { Redis } from 'ioredis';

const PREFIX_PATTERN = /^\{(iam-pam-demo-[0-9a-f]{6})\}/;
const ALIVE_TTL_MS = 30_000;
const REFRESH_EVERY_MS = 5_000;

const aliveKey = (prefix: string) => `{${prefix}}:demo:alive`;

/** Deletes every key under `{prefix}`; returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      deleted += await redis.unlink(...keys);
    }
  } while (cursor !== '0');
  return deleted;
}

/** Marks `prefix` as in use until the returned function is called (or the process dies). */
export async function keepAlive(redis: Redis, prefix: string): Promise<() => void> {
  const mark = () => redis.set(aliveKey(prefix), String(process.pid), 'PX', ALIVE_TTL_MS);
  await mark();
  const timer = setInterval(() => {
    mark().catch(() => undefined);
  }, REFRESH_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Deletes the keys of demos that are gone (no `alive` key); returns their prefixes. */
export async function removeAbandoned(redis: Redis): Promise<string[]> {
  const prefixes = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', '{iam-pam-demo-*}*', 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const prefix = PREFIX_PATTERN.exec(key)?.[1];
      if (prefix !== undefined) {
        prefixes.add(prefix);
      }
    }
  } while (cursor !== '0');
  const removed: string[] = [];
  for (const prefix of prefixes) {
    if ((await redis.exists(aliveKey(prefix))) === 0) {
      await deletePrefix(redis, prefix);
      removed.push(prefix);
    }
  }
  return removed;
}

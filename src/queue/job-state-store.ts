/**
 * The state snapshot a handler attached to a job's final run (e.g. a rotation journal), kept
 * beside the failed job so its dead-letter entry can carry it even when the worker dies
 * between "failed" and "dead-lettered".
 */
import type { Keys } from '../keys.ts';
import { scrubSecrets } from '../logger.ts';
import type { RedisConnection } from './redis-connections.ts';

export interface JobStateStore {
  save(queue: string, jobId: string, snapshot: Record<string, unknown>): Promise<void>;
  load(queue: string, jobId: string): Promise<Record<string, unknown> | undefined>;
}

export function createJobStateStore(deps: {
  redis: RedisConnection;
  keys: Keys;
  /** As long as failed jobs are kept. */
  ttlMs: number;
}): JobStateStore {
  const { redis, keys, ttlMs } = deps;
  return {
    async save(queue, jobId, snapshot) {
      await redis.set(
        keys.jobState(queue, jobId),
        JSON.stringify(scrubSecrets(snapshot)),
        'PX',
        ttlMs,
      );
    },
    async load(queue, jobId) {
      const raw = await redis.get(keys.jobState(queue, jobId));
      return raw === null ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    },
  };
}

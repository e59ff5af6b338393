/** A BullMQ job carrying only references round-trips through the real Redis under our prefix. */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.ts';
import { checkRedis } from '../../src/queue/check-redis.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const log = createLogger({ level: 'silent', stream: 'stderr' });
const producer = createRedisConnection(t.redisConfig, 'producer', log);
const consumer = createRedisConnection(t.redisConfig, 'worker', log);
const prefix = `{${t.prefix}}`;

afterAll(async () => {
  producer.disconnect();
  consumer.disconnect();
});

describe('a job through BullMQ on a real Redis', () => {
  it('passes the start-up check (reachable, noeviction)', async () => {
    await expect(checkRedis(producer, t.redisConfig)).resolves.toBeUndefined();
  });

  it('round-trips references and returns a result without secrets', async () => {
    const queue = new Queue('heartbeat', { connection: producer, prefix });
    const events = new QueueEvents('heartbeat', {
      connection: new Redis(t.url, { maxRetriesPerRequest: null }),
      prefix,
    });
    const seen: unknown[] = [];
    const worker = new Worker(
      'heartbeat',
      async (job) => {
        seen.push(job.data);
        return {
          account: `${job.data.provider}/${job.data.userName}/${job.data.kind}`,
          verdict: 'in_sync',
        };
      },
      { connection: consumer, prefix },
    );
    await events.waitUntilReady();
    const job = await queue.add('heartbeat', {
      provider: 'prod',
      userName: 'alice',
      kind: 'access-key',
    });
    const result = await job.waitUntilFinished(events, 10_000);
    expect(result).toEqual({ account: 'prod/alice/access-key', verdict: 'in_sync' });
    expect(seen).toEqual([{ provider: 'prod', userName: 'alice', kind: 'access-key' }]);
    const keys = await t.redis.keys(`${prefix}:heartbeat:*`);
    expect(keys.length).toBeGreaterThan(0);
    await worker.close();
    await events.close();
    await queue.close();
  });
});

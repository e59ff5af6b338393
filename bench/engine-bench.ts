/**
 * `npm run bench -- engine` (also `npm run bench:engine`): no-op jobs per second through the engine's whole worker path
 * (run-time validation, dispatch, concurrency gate, deadline, scoped log, metrics; then also
 * the IAM user lease and one event per job) against raw BullMQ, in the same run, on the same
 * Redis (REDIS_URL, or a private redis-server). BENCH_JOBS (default 5000), BENCH_ROUNDS
 * (default 3, the median is shown) and BENCH_CONCURRENCY (default 16) tune it.
 */
import { randomUUID } from 'node:crypto';

import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

import { startWorkerRuntime } from '../src/app/worker-runtime.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { defineJob } from '../src/jobs/define-job.ts';
import { createKeys } from '../src/keys.ts';
import { createLogger } from '../src/logger.ts';
import { createEnqueue } from '../src/producers/create-enqueue.ts';
import { createQueues } from '../src/producers/create-queues.ts';
import { RETENTION } from '../src/producers/retention.ts';
import { createRedisConnection } from '../src/queue/redis-connections.ts';
import { bindHandlers } from '../src/workers/bind-handlers.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import type { Bench } from './bench.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const payload = z.object({ provider: z.string(), userName: z.string(), i: z.number().int() });
const plain = defineJob({
  name: 'bench-noop',
  queue: 'validate',
  description: 'does nothing',
  payload,
  retry: { attempts: 1, backoff: { type: 'fixed', delay: 10 } },
  concurrency: 1_000,
  timeoutMs: 10_000,
  provider: (p) => p.provider,
});
const leased = defineJob({
  ...plain,
  name: 'bench-leased',
  lockedUser: ({ provider, userName }) => ({ provider, userName }),
});

async function untilDone(count: () => Promise<number>): Promise<void> {
  while ((await count()) < JOBS) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cleanup(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
}

async function rawBullmq(url: string, redis: Redis): Promise<number> {
  const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
  const queue = new Queue('validate', { connection: new Redis(url), prefix });
  const opts = {
    removeOnComplete: { ...RETENTION.completed },
    removeOnFail: { ...RETENTION.failed },
  };
  for (let i = 0; i < JOBS; i += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, JOBS - i) }, (_, k) => ({
        name: 'noop',
        data: { provider: 'bench', userName: `u-${i + k}`, i: i + k },
        opts,
      })),
    );
  }
  const started = performance.now();
  const worker = new Worker('validate', async () => ({}), {
    connection: new Redis(url, { maxRetriesPerRequest: null }),
    prefix,
    concurrency: CONCURRENCY,
  });
  await untilDone(() => queue.getCompletedCount());
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.close();
  await cleanup(redis, prefix.slice(1, -1));
  return JOBS / seconds;
}

async function engine(url: string, redis: Redis, withLease: boolean): Promise<number> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    REDIS_URL: url,
    IAM_PAM_PREFIX: prefix,
    IAM_PAM_CONCURRENCY: String(CONCURRENCY),
    IAM_PAM_WORKER_HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const log = createLogger({ level: 'silent', stream: 'stderr' });
  const producer = createRedisConnection(config.redis, 'producer', log);
  const queues = createQueues(producer, createKeys(prefix));
  const enqueue = createEnqueue({ queues });
  const contract = withLease ? leased : plain;
  for (let i = 0; i < JOBS; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, JOBS - i) }, (_, k) =>
        enqueue(contract, { provider: 'bench', userName: `u-${i + k}`, i: i + k }),
      ),
    );
  }
  const started = performance.now();
  const runtime = await startWorkerRuntime({
    config,
    log,
    queues: ['validate'],
    createJobs: () =>
      withLease
        ? bindHandlers([leased], {
            'bench-leased': async (_payload, ctx) => {
              await ctx.emit({ type: 'heartbeat.verdict', detail: { verdict: 'in_sync' } });
            },
          })
        : bindHandlers([plain], { 'bench-noop': async () => undefined }),
  });
  await untilDone(() => queues.get('validate').getCompletedCount());
  const seconds = (performance.now() - started) / 1000;
  await runtime.close(10_000);
  await queues.close();
  producer.disconnect();
  await cleanup(redis, prefix);
  return JOBS / seconds;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export const engineBench: Bench = {
  name: 'engine',
  description: `${JOBS} no-op jobs through the worker path vs raw BullMQ, concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds`,
  async run(log) {
    const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
    const url = process.env.REDIS_URL ?? server?.url ?? '';
    const redis = new Redis(url);
    try {
      log(`Redis: ${server ? `private redis-server ${server.version}` : url}`);
      await rawBullmq(url, redis); // warm-up: JIT and Redis script cache
      const results = { raw: [] as number[], engine: [] as number[], leased: [] as number[] };
      for (let round = 1; round <= ROUNDS; round += 1) {
        results.raw.push(await rawBullmq(url, redis));
        results.engine.push(await engine(url, redis, false));
        results.leased.push(await engine(url, redis, true));
        log(`round ${round}/${ROUNDS} done`);
      }
      const raw = median(results.raw);
      const rows = [
        ['raw BullMQ Worker (no-op processor) jobs/s', results.raw],
        ['engine: validation, dispatch, deadline, log, metrics jobs/s', results.engine],
        ['engine + IAM user lease + one event per job jobs/s', results.leased],
      ] as const;
      return rows.map(([measure, rates]) => {
        const rate = median(rates);
        return {
          measure,
          value: rate,
          unit: 'jobs/s',
          notes: `min-max ${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))}; ${((rate / raw) * 100).toFixed(0)}% of raw; ${JOBS} jobs, concurrency ${CONCURRENCY}`,
        };
      });
    } finally {
      redis.disconnect();
      server?.stop();
    }
  },
};

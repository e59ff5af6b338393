/** The per-provider rate budget (GCRA in Redis), shared by several clients as by several processes. */
import { afterAll, describe, expect, it } from 'vitest';

import { createKeys } from '../../src/keys.ts';
import { createLogger } from '../../src/logger.ts';
import { createRateBudget, type RateBudget } from '../../src/queue/rate-budget.ts';
import { sleep } from '../../src/sleep.ts';
import {
  createRedisConnection,
  type RedisConnection,
  waitUntilReady,
} from '../../src/queue/redis-connections.ts';
import { useTestRedis } from '../support/redis.ts';
import { busiestWindow } from '../support/busiest-window.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const t = useTestRedis();
const keys = createKeys(t.prefix);
const log = createLogger({ level: 'silent', stream: 'stderr' });
const connections: RedisConnection[] = [];
const proxies: TcpProxy[] = [];

afterAll(async () => {
  for (const connection of connections) {
    connection.disconnect();
  }
  await Promise.all(proxies.map((proxy) => proxy.close()));
});

async function budgets(
  count: number,
  rps: number,
  maxWaitMs?: number,
  url = t.url,
): Promise<RateBudget[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const redis = createRedisConnection({ ...t.redisConfig, url }, 'producer', log);
      connections.push(redis);
      await waitUntilReady(redis, 5_000);
      return createRateBudget({ redis, keys, budgetOf: async () => rps, maxWaitMs });
    }),
  );
}

/** `clients` × `loops` callers acquiring as fast as they can for `ms`. */
async function hammer(clients: RateBudget[], provider: string, loops: number, ms: number) {
  const times: number[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    clients.flatMap((budget) =>
      Array.from({ length: loops }, async () => {
        while (Date.now() < until) {
          await budget.acquire(provider);
          times.push(Date.now());
        }
      }),
    ),
  );
  return times;
}

describe('the rate budget', () => {
  it('holds a provider to its budget across clients, also after an idle spell and a burst', async () => {
    const rps = 40;
    const clients = await budgets(4, rps);
    const steady = await hammer(clients, 'steady', 4, 1_500);
    expect(steady.length).toBeGreaterThan(rps * 1.2);
    expect(busiestWindow(steady, 1_000)).toBeLessThanOrEqual(rps * 1.05);

    // The idle spell is what is tested: a token bucket would save it up for a burst (at 40/s,
    // 500 ms idle is 20 requests at once, which the window check below would catch).
    await sleep(500);
    const burst: number[] = [];
    await Promise.all(
      clients.flatMap((budget) =>
        Array.from({ length: 20 }, async () => {
          await budget.acquire('steady');
          burst.push(Date.now());
        }),
      ),
    );
    expect(busiestWindow(burst, 1_000)).toBeLessThanOrEqual(rps * 1.05);
    // 80 requests at 40/s take about two seconds: spaced, not bunched.
    expect(Math.max(...burst) - Math.min(...burst)).toBeGreaterThan(1_800);
  });

  it('books again when a booking is read late (a paused worker), instead of packing two requests together', async () => {
    const rps = 20;
    const [steady] = (await budgets(1, rps)) as [RateBudget];
    // The paused worker: Redis books its slots at once, it reads the answers a second later.
    const link = await startTcpProxy(t.url);
    proxies.push(link);
    const [paused] = (await budgets(1, rps, undefined, link.url)) as [RateBudget];
    const sent: number[] = [];
    const steadyRun = hammer([steady], 'paused', 4, 3_000);
    await sleep(500);
    link.delayReplies(1_000);
    const late = Promise.all(
      Array.from({ length: 10 }, async () => {
        await paused.acquire('paused');
        sent.push(Date.now());
      }),
    );
    // Only the answers to these bookings come late: rebookings go through at once.
    await sleep(100);
    link.delayReplies(0);
    await late;
    sent.push(...(await steadyRun));
    expect(sent.length).toBeGreaterThan(rps * 2);
    // Read late and sent at once, the 10 late requests would land on top of the steady ones.
    expect(busiestWindow(sent, 1_000)).toBeLessThanOrEqual(rps * 1.05);
  });

  it('lets a high budget be used: a slot a Redis round trip ago is not missed (1,000/s)', async () => {
    // Half an interval at 1,000/s is half a millisecond, less than a round trip: if that were
    // the whole tolerance every request would book again until it gave up as iam_throttled.
    const clients = await budgets(2, 1_000);
    const sent = await hammer(clients, 'fast', 8, 1_000);
    expect(sent.length).toBeGreaterThan(300);
    expect(busiestWindow(sent, 1_000)).toBeLessThanOrEqual(1_000 * 1.05);
  });

  it('backs off one provider without slowing another', async () => {
    const [budget] = (await budgets(1, 100)) as [RateBudget];
    await budget.penalize('throttled', 500);
    const started = Date.now();
    await budget.acquire('calm');
    expect(Date.now() - started).toBeLessThan(100);
    await budget.acquire('throttled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('turns a slot booked too far ahead into iam_throttled instead of a long wait', async () => {
    const [budget] = (await budgets(1, 1, 200)) as [RateBudget];
    await budget.acquire('slow');
    await expect(budget.acquire('slow')).rejects.toMatchObject({
      code: 'iam_throttled',
      retryAfterMs: expect.any(Number),
    });
  });
});

/**
 * The heartbeat sweep at scale on a real Redis: a scheduled tick of a provider managing 1,000
 * accounts enqueues 1,000 heartbeats in bulk, spread over the heartbeat period (the test
 * measures the spread from the delays BullMQ stored, and prints it), and a manual heartbeat
 * asked for during the spread joins its delayed job and runs at once.
 */
import { afterAll, describe, expect, it } from 'vitest';

import type { AccountRecord } from '../../src/accounts/account-store.ts';
import { createDomain } from '../../src/domain.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { heartbeatSweep } from '../../src/jobs/heartbeat-sweep/contract.ts';
import { createHeartbeatSweepHandler } from '../../src/jobs/heartbeat-sweep/handler.ts';
import { scheduleTicks } from '../../src/jobs/schedule-tick/contract.ts';
import { createScheduleTickHandler } from '../../src/jobs/schedule-tick/handler.ts';
import { bindHandlers } from '../../src/workers/bind-handlers.ts';
import { useEngine } from '../support/engine.ts';

const ACCOUNTS = 1_000;
/** heartbeatEveryMinutes: 1, a real minute: the sweep spreads its heartbeats over 60 s. */
const PERIOD_MS = 60_000;

// Heartbeats are recorded, not run against IAM: this is about when they run.
const ran: string[] = [];
let domain: ReturnType<typeof createDomain> | undefined;
const engine = useEngine({
  runtime: { queues: ['heartbeat'] },
  createJobs: (deps) => {
    domain = createDomain({ config: deps.config, redis: engine.redis.redis });
    const providers = domain.providers;
    return bindHandlers([scheduleTicks['heartbeat-sweep'], heartbeatSweep, heartbeat], {
      'schedule-tick': createScheduleTickHandler({ providers }),
      'heartbeat-sweep': createHeartbeatSweepHandler({
        accounts: domain.accounts,
        providers,
        enqueueBulk: deps.enqueueBulk,
      }),
      heartbeat: async ({ userName }) => {
        ran.push(userName);
        return { verdict: 'in_sync' };
      },
    });
  },
});

afterAll(() => domain?.close());

function record(index: number): AccountRecord {
  const userName = `user-${String(index).padStart(4, '0')}`;
  const at = new Date().toISOString();
  return {
    account: `fleet/${userName}/access-key`,
    provider: 'fleet',
    userName,
    kind: 'access-key',
    status: 'managed',
    userId: `AIDA${index}`,
    secretKnown: true,
    importedAt: at,
    updatedAt: at,
  };
}

describe('a scheduled heartbeat sweep of 1,000 accounts', () => {
  it('spreads them over the period, and a manual request during the spread runs at once', async () => {
    const store = domain;
    if (store === undefined) {
      throw new Error('the worker did not start');
    }
    await store.providers.put(
      'fleet',
      {
        credential: { type: 'chain' },
        policy: { heartbeatEveryMinutes: 1, discoverEveryHours: null, rotateEveryDays: null },
      },
      'test',
    );
    await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => store.accounts.create(record(i))));

    // What the provider's scheduler fires each period, enqueued now rather than in a minute.
    const tick = await engine.enqueue(scheduleTicks['heartbeat-sweep'], {
      provider: 'fleet',
      job: 'heartbeat-sweep',
    });
    const ticked = await engine.finished(tick);
    const sweep = (ticked.result as { enqueued: { queue: 'heartbeat'; jobId: string } }).enqueued;
    expect((await engine.finished(sweep)).result).toEqual({
      provider: 'fleet',
      heartbeats: ACCOUNTS,
      spreadMs: PERIOD_MS,
    });
    const queue = engine.queues.get('heartbeat');
    const jobs = (await queue.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter(
      (job) => job.name === 'heartbeat',
    );
    expect(new Set(jobs.map((job) => (job.data as { userName: string }).userName)).size).toBe(
      ACCOUNTS,
    );
    // When each is due after the sweep added it: the delay BullMQ stored with it (one addBulk
    // adds them all, within a few ms; the figures depend on no clock but the stored delays).
    const due = jobs.map((job) => ({ job, at: job.opts.delay ?? 0 })).sort((a, b) => a.at - b.at);
    const added = jobs.map((job) => job.timestamp);
    const offsets = due.map((d) => d.at);
    const perSecond = new Map<number, number>();
    for (const at of offsets) {
      perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    }
    const gaps = offsets.slice(1).map((at, i) => at - (offsets[i] ?? 0));
    const spread = {
      heartbeats: offsets.length,
      firstMs: offsets[0] ?? 0,
      lastMs: offsets.at(-1) ?? 0,
      maxPerSecond: Math.max(...perSecond.values()),
      secondsUsed: perSecond.size,
      maxGapMs: Math.max(...gaps),
      addedWithinMs: Math.max(...added) - Math.min(...added),
    };
    process.stderr.write(
      `[heartbeat-sweep spread over ${PERIOD_MS} ms] ${JSON.stringify(spread)}\n`,
    );
    // One slot of 60 ms per account, jitter inside it: the whole minute used, ~17 a second,
    // never two slots without one.
    const slotMs = PERIOD_MS / ACCOUNTS;
    expect(spread.firstMs).toBeLessThan(slotMs);
    expect(spread.lastMs).toBeGreaterThanOrEqual(PERIOD_MS - slotMs);
    expect(spread.lastMs).toBeLessThan(PERIOD_MS);
    expect(spread.secondsUsed).toBe(60);
    expect(spread.maxPerSecond).toBeLessThanOrEqual(2 * (ACCOUNTS / 60));
    expect(spread.maxGapMs).toBeLessThanOrEqual(2 * slotMs);

    // The last one in the spread is due in about a minute; asked for now, it runs now (it
    // completes within finished()'s 10 s, not at its slot).
    const last = due.at(-1)?.job;
    const { userName } = last?.data as { userName: string };
    expect(await last?.getState()).toBe('delayed');
    const asked = Date.now();
    const manual = await engine.enqueue(heartbeat, {
      provider: 'fleet',
      userName,
      kind: 'access-key',
    });
    expect(manual.jobId).toBe(last?.id);
    expect((await engine.finished(manual, 10_000)).state).toBe('completed');
    const waitedMs = Date.now() - asked;
    process.stderr.write(
      `[heartbeat-sweep manual request] ran after ${waitedMs} ms instead of ${Math.round(due.at(-1)?.at ?? 0)} ms\n`,
    );
    expect(ran.filter((name) => name === userName)).toEqual([userName]);
    // Joined, not doubled: still one heartbeat job per account.
    const after = (await queue.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter(
      (job) => job.name === 'heartbeat',
    );
    expect(after).toHaveLength(ACCOUNTS);
  });
});

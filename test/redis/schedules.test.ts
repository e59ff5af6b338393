/**
 * Each provider's job schedulers on a real Redis: a policy write through the CLI (no api
 * running) or the HTTP API upserts them at once, `provider remove` and a `null` period remove
 * them, `provider show` and `GET /v1/providers/{id}` show each next run, an api start reconciles
 * them with the stored policies, and a scheduled and a manual discovery of one provider collapse
 * into one job. Surviving a Redis restart: schedules-durability.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { startWorkerRuntime } from '../../src/app/worker-runtime.ts';
import { createDomain } from '../../src/domain.ts';
import { discover } from '../../src/jobs/discover/contract.ts';
import { scheduleTicks } from '../../src/jobs/schedule-tick/contract.ts';
import { createScheduleTickHandler } from '../../src/jobs/schedule-tick/handler.ts';
import { SCHEDULE_QUEUE, SCHEDULED_JOBS } from '../../src/providers/schedule-plan.ts';
import { bindHandlers } from '../../src/workers/bind-handlers.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { useEngine } from '../support/engine.ts';
import { waitFor } from '../support/wait-for.ts';

const ADMIN = 'schedules-admin-token-0123456789';
const engine = useEngine({
  noWorker: true,
  env: { IAM_PAM_API_TOKENS: `ops:${ADMIN}:admin` },
});
const cli = createCliRunner(engine.redis.env);
const chain = { credential: { type: 'chain' } };

/** Every scheduler of `provider`, by job: its period and next run. */
async function schedulersOf(provider: string) {
  const found: Record<string, { every?: number; next?: number }> = {};
  for (const job of SCHEDULED_JOBS) {
    const scheduler = await engine.queues
      .get(SCHEDULE_QUEUE[job])
      .getJobScheduler(`${provider}:${job}`);
    if (scheduler !== undefined) {
      found[job] = { every: scheduler.every, next: scheduler.next };
    }
  }
  return found;
}

/** Everything schedulers left in the three queues: schedulers and their armed runs. */
async function schedulerLeftovers() {
  const queues = SCHEDULED_JOBS.map((job) => engine.queues.get(SCHEDULE_QUEUE[job]));
  const schedulers = (await Promise.all(queues.map((q) => q.getJobSchedulers(0, -1)))).flat();
  const ticks = (await Promise.all(queues.map((q) => q.getDelayed()))).flat();
  return { schedulers: schedulers.map((s) => s.key), ticks: ticks.map((job) => job.id) };
}

describe('a policy written with the CLI (no api, no worker)', () => {
  it('upserts the schedulers at once, follows a changed or null period, shows them, and remove leaves none', async () => {
    const before = Date.now();
    const added = await cli(['provider', 'add', 'ops', '--chain', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const initial = await schedulersOf('ops');
    // The default policy: discovery daily, heartbeats hourly, the rotation sweep daily; the
    // first run one period away.
    expect(initial).toEqual({
      discover: { every: 86_400_000, next: expect.any(Number) },
      'heartbeat-sweep': { every: 3_600_000, next: expect.any(Number) },
      'rotation-sweep': { every: 86_400_000, next: expect.any(Number) },
    });
    expect(initial['heartbeat-sweep']?.next).toBeGreaterThanOrEqual(before + 3_600_000);

    const changedAt = Date.now();
    const changed = await cli([
      'provider',
      'policy',
      'ops',
      '--set',
      'heartbeatEveryMinutes=5',
      '--set',
      'discoverEveryHours=null',
      '--json',
    ]);
    expect(changed.code, changed.stderr).toBe(0);
    const after = await schedulersOf('ops');
    // The new period counts from the change, not from the run the old one had planned.
    expect(after['heartbeat-sweep']?.every).toBe(300_000);
    expect(after['heartbeat-sweep']?.next).toBeGreaterThanOrEqual(changedAt + 300_000);
    expect(after['heartbeat-sweep']?.next).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(after.discover).toBeUndefined();
    // An unchanged period keeps the run it had.
    expect(after['rotation-sweep']).toEqual(initial['rotation-sweep']);

    const shown = await cli(['provider', 'show', 'ops', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json<{ schedules: unknown }>().schedules).toEqual({
      discover: null,
      'heartbeat-sweep': {
        queue: 'heartbeat',
        everyMs: 300_000,
        nextRunAt: new Date(after['heartbeat-sweep']?.next ?? 0).toISOString(),
      },
      'rotation-sweep': {
        queue: 'rotation',
        everyMs: 86_400_000,
        nextRunAt: new Date(after['rotation-sweep']?.next ?? 0).toISOString(),
      },
    });
    const text = await cli(['provider', 'show', 'ops']);
    expect(text.stdout).toContain('schedule discover: off');
    expect(text.stdout).toMatch(/schedule heartbeat-sweep: every 5 min, next run \d{4}-/);
    expect(text.stdout).toMatch(/schedule rotation-sweep: every 1 d, next run \d{4}-/);

    const removed = await cli(['provider', 'remove', 'ops']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await schedulerLeftovers()).toEqual({ schedulers: [], ticks: [] });
  });
});

describe('the api', () => {
  let api: ApiRuntime | undefined;
  const call = async (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    api?.app.inject({ method, url, payload, headers: { authorization: `Bearer ${ADMIN}` } });
  afterAll(async () => {
    await api?.close();
  });

  it('reconciles at start: a provider written before schedules gets them, one gone loses them, others are left', async () => {
    const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
    try {
      await domain.providers.put('legacy', chain, 'test');
      // As a provider stored before schedules existed: the record without its schedulers.
      await domain.schedules.remove('legacy');
      await domain.providers.put('ghost', chain, 'test');
      // Removed by a process that died before it removed the schedulers.
      await engine.redis.redis.del(engine.keys.provider('ghost'));
      await engine.redis.redis.srem(engine.keys.providers, 'ghost');
    } finally {
      domain.close();
    }
    expect(await domain.providers.get('ghost')).toBeUndefined();
    expect(await schedulersOf('legacy')).toEqual({});
    expect(Object.keys(await schedulersOf('ghost'))).toHaveLength(3);
    const foreign = engine.queues.get('discovery');
    await foreign.upsertJobScheduler(
      'nightly-report',
      { every: 3_600_000, startDate: Date.now() + 3_600_000 },
      { name: 'report', data: {} },
    );

    api = await startApiRuntime({ config: engine.config, log: engine.log, listen: false });
    expect(Object.keys(await schedulersOf('legacy')).sort()).toEqual([...SCHEDULED_JOBS].sort());
    expect(await schedulersOf('ghost')).toEqual({});
    expect(await foreign.getJobScheduler('nightly-report')).toBeDefined();
    await foreign.removeJobScheduler('nightly-report');
    await call('DELETE', '/v1/providers/legacy');
  });

  it('upserts on PUT, shows each next run on GET, and removes them on DELETE', async () => {
    const put = await call('PUT', '/v1/providers/web', {
      ...chain,
      policy: { heartbeatEveryMinutes: 15, rotateEveryDays: null },
    });
    expect(put?.statusCode, put?.body).toBe(201);
    const scheduled = await schedulersOf('web');
    expect(scheduled).toEqual({
      discover: { every: 86_400_000, next: expect.any(Number) },
      'heartbeat-sweep': { every: 900_000, next: expect.any(Number) },
    });
    const got = await call('GET', '/v1/providers/web');
    expect(got?.json().schedules).toEqual({
      discover: {
        queue: 'discovery',
        everyMs: 86_400_000,
        nextRunAt: new Date(scheduled.discover?.next ?? 0).toISOString(),
      },
      'heartbeat-sweep': {
        queue: 'heartbeat',
        everyMs: 900_000,
        nextRunAt: new Date(scheduled['heartbeat-sweep']?.next ?? 0).toISOString(),
      },
      'rotation-sweep': null,
    });
    const deleted = await call('DELETE', '/v1/providers/web');
    expect(deleted?.statusCode).toBe(204);
    expect(await schedulerLeftovers()).toEqual({ schedulers: [], ticks: [] });
  });
});

describe('a scheduled and a manual discovery of one provider', () => {
  it('collapse into one job, whichever comes first', async () => {
    // A policy hour of 1.2 s: the scheduler fires within the test.
    const domain = createDomain({
      config: engine.config,
      redis: engine.redis.redis,
      scheduleUnits: { minuteMs: 20 },
    });
    const holds: Array<() => void> = [];
    const releaseAll = () => holds.splice(0).forEach((release) => release());
    let runs = 0;
    const worker = await startWorkerRuntime({
      config: engine.config,
      log: engine.log,
      queues: ['discovery'],
      // The production tick; a discovery that holds until released (no IAM here).
      createJobs: () =>
        bindHandlers([discover, scheduleTicks.discover], {
          discover: async ({ provider }) => {
            runs += 1;
            await new Promise<void>((resolve) => holds.push(resolve));
            return { provider, users: 0 };
          },
          'schedule-tick': createScheduleTickHandler({ providers: domain.providers }),
        }),
    });
    const queue = engine.queues.get('discovery');
    /** The discovery each completed tick enqueued or joined, oldest first. */
    const tickIds = async () =>
      (await queue.getCompleted())
        .filter((job) => job.name === 'schedule-tick')
        .sort((x, y) => x.timestamp - y.timestamp)
        .flatMap((job) => {
          const enqueued = (job.returnvalue as { enqueued?: { jobId: string } }).enqueued;
          return enqueued === undefined ? [] : [enqueued.jobId];
        });
    const firstTick = (match: (id: string) => boolean) =>
      waitFor('a discovery tick', async () => (await tickIds()).find(match), {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
    const discoveries = async () =>
      (await queue.getJobs(['active', 'waiting', 'delayed', 'completed', 'failed']))
        .filter((job) => job.name === 'discover')
        .map((job) => job.id);
    try {
      await domain.providers.put(
        'tick',
        {
          ...chain,
          policy: { discoverEveryHours: 1, heartbeatEveryMinutes: null, rotateEveryDays: null },
        },
        'test',
      );
      // Manual first (the scheduler's first run is a period away): the tick joins it.
      const manual = await engine.enqueue(discover, { provider: 'tick' });
      expect(await firstTick(() => true)).toBe(manual.jobId);
      releaseAll();
      await engine.finished(manual);

      // Scheduled first: a later tick starts one, and manual requests (producer and CLI alike)
      // join it while it runs, as every tick meanwhile does.
      const scheduled = await firstTick((id) => id !== manual.jobId);
      await waitFor('the scheduled discovery running', async () => (runs === 2 ? true : undefined));
      expect((await engine.enqueue(discover, { provider: 'tick' })).jobId).toBe(scheduled);
      const viaCli = await cli(['discover', 'tick', '--json']);
      expect(viaCli.code, viaCli.stderr).toBe(0);
      expect(viaCli.json()).toEqual({ queue: 'discovery', jobId: scheduled });

      // Stopped before it is released: no tick can start a third one.
      await domain.providers.remove('tick', 'test');
      releaseAll();
      await engine.finished({ queue: 'discovery', jobId: scheduled });
      expect(runs).toBe(2);
      const ids = new Set([manual.jobId, ...(await tickIds())]);
      expect([...ids].sort()).toEqual([manual.jobId, scheduled].sort());
      expect((await discoveries()).sort()).toEqual([...ids].sort());
    } finally {
      await domain.providers.remove('tick', 'test').catch(() => undefined);
      releaseAll();
      domain.close();
      await worker.close(5_000);
    }
  });
});

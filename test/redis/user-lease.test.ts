/** The per-IAM-user lease, its values and its guards, on a real Redis. */
import { afterAll, describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.ts';
import { defineGuardedScript, leaseLostError } from '../../src/queue/lease-guard.ts';
import {
  createRedisConnection,
  type RedisConnection,
  waitUntilReady,
} from '../../src/queue/redis-connections.ts';
import { runScript } from '../../src/queue/run-script.ts';
import {
  type AcquireResult,
  createUserLeases,
  type UserLeases,
} from '../../src/queue/user-lease.ts';
import { useEngine } from '../support/engine.ts';
import {
  type FinishedRun,
  finishedRuns,
  releaseKey,
  testLocked,
  testLockedShortDeadline,
} from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const engine = useEngine();
const { redis, prefix } = engine.redis;
const quiet = createLogger({ level: 'silent', stream: 'stderr' });
const connections: RedisConnection[] = [];
afterAll(() => {
  for (const connection of connections) {
    connection.disconnect();
  }
});

describe('the per-user lease', () => {
  it('serialises two jobs for the same IAM user (names differing only in case) and burns no attempt', async () => {
    const jobs = await Promise.all(
      ['Alice', 'alice'].map((userName) =>
        engine.enqueue(testLocked, {
          provider: 'prod',
          key: 'same-user',
          userName,
          holdUntilReleased: true,
        }),
      ),
    );
    // One runs and holds the user until released; the other finds the user leased and waits.
    await waitFor('a job deferred for the leased user', async () => {
      const { values } = await engine.runtime().metrics.leaseDeferrals.get();
      return values.some((value) => value.value > 0) ? true : undefined;
    });
    await redis.set(releaseKey(prefix, 'same-user'), '1');
    const statuses = await Promise.all(jobs.map((job) => engine.finished(job)));
    for (const status of statuses) {
      expect(status).toMatchObject({ state: 'completed', attemptsMade: 1 });
    }
    const runs = await finishedRuns(redis, prefix, 'same-user');
    expect(runs).toHaveLength(2);
    const [first, second] = runs.sort((a, b) => a.start - b.start) as [FinishedRun, FinishedRun];
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    expect(second.token).toBeGreaterThan(first.token);
    expect(await redis.exists(`{${prefix}}:lease:prod/alice`)).toBe(0);
  });

  it("keeps a runaway handler's user leased until it stops, so its retry never overlaps it", async () => {
    // 500 ms deadline, a 3 s sleep that ignores the signal, a 2 s lease: the retry must wait.
    // The sleep is what is tested: it outlasts the lease's TTL, so the lease must be renewed.
    const job = await engine.enqueue(testLockedShortDeadline, {
      provider: 'prod',
      key: 'runaway',
      userName: 'dave',
      sleepMs: 3_000,
      ignoreSignal: true,
      sleepFirstRunOnly: true,
    });
    expect(await engine.finished(job, 20_000)).toMatchObject({
      state: 'completed',
      attemptsMade: 2,
    });
    const runs = await finishedRuns(redis, prefix, 'runaway');
    expect(runs).toHaveLength(2);
    const [first, second] = runs.sort((a, b) => a.start - b.start) as [FinishedRun, FinishedRun];
    expect(first.end - first.start).toBeGreaterThanOrEqual(3_000);
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    expect(second.token).toBeGreaterThan(first.token);
  });

  it('lets jobs for different users run at the same time', async () => {
    const jobs = await Promise.all(
      ['bob', 'carol'].map((userName) =>
        // Each waits until both have started: they finish only if they run at once.
        engine.enqueue(testLocked, { provider: 'prod', key: 'two-users', userName, awaitRuns: 2 }),
      ),
    );
    for (const job of jobs) {
      expect(await engine.finished(job)).toMatchObject({ state: 'completed', attemptsMade: 1 });
    }
    const runs = await finishedRuns(redis, prefix, 'two-users');
    const [a, b] = runs.sort((x, y) => x.start - y.start) as [FinishedRun, FinishedRun];
    expect(b.start).toBeLessThan(a.end);
  });

  it('refuses a write from a holder whose lease went stale, and accepts the current holder', async () => {
    // A TTL no busy machine outlasts: expiry is brought about below, not waited for.
    const leases = await directLeases(60_000);
    const user = { provider: 'prod', userName: 'Dave' };
    const first = acquired(await leases.acquire(user));
    const busy = await leases.acquire({ provider: 'prod', userName: 'dave' });
    expect(busy).toMatchObject({ acquired: false, busyMs: expect.any(Number) });
    const key = engine.keys.userLease('prod', 'dave');
    expect(await redis.get(key)).toBe(first.value);
    expect(first.value).toMatch(new RegExp(`^${first.token}:[0-9a-f]{32}$`));

    // The first holder stalls past its TTL (its TTL ends now); another job takes the user over.
    await redis.pexpire(key, 1);
    await waitFor('the stalled lease to expire', async () =>
      (await redis.exists(key)) === 0 ? true : undefined,
    );
    const second = acquired(await leases.acquire(user));
    expect(second.token).toBeGreaterThan(first.token);

    const target = `{${prefix}}:test:journal:dave`;
    await expect(guardedWrite(key, first.value, target, 'stale')).rejects.toMatchObject({
      code: 'lease_lost',
    });
    expect(await redis.get(target)).toBeNull();
    await expect(guardedWrite(key, second.value, target, 'ok')).resolves.toBe(1);
    expect(await redis.get(target)).toBe('ok');

    expect(await leases.renew(user, first.value)).toBe('lease_lost');
    expect(await leases.release(user, first.value)).toBe(false);
    expect(await leases.release(user, second.value)).toBe(true);
  });

  it("starts a missing counter from Redis's clock, and never hands out a value an earlier holder's guards accept after Redis lost its writes", async () => {
    const leases = await directLeases(60_000);
    const user = { provider: 'prod', userName: 'erin' };
    const key = engine.keys.userLease('prod', 'erin');
    const counter = engine.keys.userFence('prod', 'erin');
    const [seconds] = await redis.time();
    const first = acquired(await leases.acquire(user));
    // Microseconds since the epoch, not 1: a counter lost later restarts above it.
    expect(first.token).toBeGreaterThanOrEqual(Number(seconds) * 1_000_000);

    // Redis restarts without its last writes (no AOF): the counter and the lease are gone.
    await redis.del(counter, key);
    const second = acquired(await leases.acquire(user));
    expect(second.token).toBeGreaterThan(first.token);
    await expectOnlyHolder(leases, user, second, first);

    // A failover to a replica that was behind: the counter goes back, a token is issued twice.
    await redis.set(counter, String(second.token - 1));
    await redis.del(key);
    const third = acquired(await leases.acquire(user));
    expect(third.token).toBe(second.token);
    expect(third.value).not.toBe(second.value);
    await expectOnlyHolder(leases, user, third, second);
    await expectOnlyHolder(leases, user, third, first);
    expect(await leases.release(user, third.value)).toBe(true);
  });
});

async function directLeases(ttlMs: number): Promise<UserLeases> {
  const connection = createRedisConnection(engine.config.redis, 'producer', quiet);
  connections.push(connection);
  await waitUntilReady(connection, 5_000);
  return createUserLeases({
    redis: connection,
    keys: engine.keys,
    ttlMs,
    waitForReplicas: async () => undefined,
  });
}

function acquired(result: AcquireResult): { token: number; value: string } {
  if (!result.acquired) {
    throw new Error(`the lease was busy (${result.busyMs} ms left)`);
  }
  return result;
}

const WRITE = defineGuardedScript(`
lease_guard(KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1
`);

/** A write fenced by lease-guard.ts, as the vault's and the journal's are. */
async function guardedWrite(lease: string, value: string, target: string, data: string) {
  try {
    return await runScript(redis, WRITE, [lease, target], [value, data]);
  } catch (err) {
    throw leaseLostError(err, 'test write');
  }
}

/** `holder` holds the lease and every guard refuses `stale`'s value. */
async function expectOnlyHolder(
  leases: UserLeases,
  user: { provider: string; userName: string },
  holder: { value: string },
  stale: { value: string },
) {
  const key = leases.keyOf(user);
  const target = `{${prefix}}:test:fenced:${user.userName}`;
  expect(await leases.isHeld(user, stale.value)).toBe(false);
  expect(await leases.renew(user, stale.value)).toBe('lease_lost');
  expect(await leases.release(user, stale.value)).toBe(false);
  await expect(guardedWrite(key, stale.value, target, 'stale')).rejects.toMatchObject({
    code: 'lease_lost',
  });
  expect(await redis.get(target)).not.toBe('stale');
  expect(await redis.get(key)).toBe(holder.value);
  expect(await leases.isHeld(user, holder.value)).toBe(true);
}

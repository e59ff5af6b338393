/** The per-IAM-user lease and its fencing tokens, on a real Redis. */
import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.ts';
import { createRedisConnection, waitUntilReady } from '../../src/queue/redis-connections.ts';
import {
  createUserLeases,
  defineLeaseGuardedScript,
  runLeaseGuarded,
} from '../../src/queue/user-lease.ts';
import { useEngine } from '../support/engine.ts';
import { logKey, releaseKey, testLocked, testLockedShortDeadline } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const engine = useEngine();
const { redis, prefix } = engine.redis;

interface RunLog {
  start: number;
  end: number;
  token: number;
}

describe('the per-user lease', () => {
  it('serialises two jobs for the same IAM user (names differing only in case) and burns no attempt', async () => {
    const log = logKey(prefix, 'same-user');
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
    const runs = (await redis.lrange(log, 0, -1)).map((line) => JSON.parse(line) as RunLog);
    expect(runs).toHaveLength(2);
    const [first, second] = runs.sort((a, b) => a.start - b.start) as [RunLog, RunLog];
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
    const runs = (await redis.lrange(logKey(prefix, 'runaway'), 0, -1)).map(
      (line) => JSON.parse(line) as RunLog,
    );
    expect(runs).toHaveLength(2);
    const [first, second] = runs.sort((a, b) => a.start - b.start) as [RunLog, RunLog];
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
    const runs = (await redis.lrange(logKey(prefix, 'two-users'), 0, -1)).map(
      (line) => JSON.parse(line) as RunLog,
    );
    const [a, b] = runs.sort((x, y) => x.start - y.start) as [RunLog, RunLog];
    expect(b.start).toBeLessThan(a.end);
  });

  it('refuses a write from a holder whose token went stale, and accepts the current holder', async () => {
    const log = createLogger({ level: 'silent', stream: 'stderr' });
    const connection = createRedisConnection(engine.config.redis, 'producer', log);
    await waitUntilReady(connection, 5_000);
    // A TTL no busy machine outlasts: expiry is brought about below, not waited for.
    const leases = createUserLeases({ redis: connection, keys: engine.keys, ttlMs: 60_000 });
    const user = { provider: 'prod', userName: 'Dave' };
    const first = await leases.acquire(user);
    expect(first.acquired).toBe(true);
    const busy = await leases.acquire({ provider: 'prod', userName: 'dave' });
    expect(busy).toMatchObject({ acquired: false, busyMs: expect.any(Number) });
    const leaseKey = engine.keys.userLease('prod', 'dave');
    expect(await redis.get(leaseKey)).toBe(String((first as { token: number }).token));

    // The first holder stalls past its TTL (its TTL ends now); another job takes the user over.
    await redis.pexpire(leaseKey, 1);
    await waitFor('the stalled lease to expire', async () =>
      (await redis.exists(leaseKey)) === 0 ? true : undefined,
    );
    const second = await leases.acquire(user);
    expect(second.acquired).toBe(true);
    const staleToken = (first as { token: number }).token;
    const currentToken = (second as { token: number }).token;
    expect(currentToken).toBeGreaterThan(staleToken);

    const write = defineLeaseGuardedScript(`redis.call('SET', KEYS[2], ARGV[2]) return 1`);
    const target = `{${prefix}}:test:journal:dave`;
    await expect(
      runLeaseGuarded(
        connection,
        write,
        { key: leaseKey, fencingToken: staleToken },
        [target],
        ['stale'],
      ),
    ).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await redis.get(target)).toBeNull();
    await expect(
      runLeaseGuarded(
        connection,
        write,
        { key: leaseKey, fencingToken: currentToken },
        [target],
        ['ok'],
      ),
    ).resolves.toBe(1);
    expect(await redis.get(target)).toBe('ok');

    expect(await leases.renew(user, staleToken)).toBe(false);
    expect(await leases.release(user, staleToken)).toBe(false);
    expect(await leases.release(user, currentToken)).toBe(true);
    connection.disconnect();
  });
});

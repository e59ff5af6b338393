/** The lease keeper's own deadline, on fake timers and a fake lease store (the Redis side is in test/redis and test/crash). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { TransientError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import type { RenewOutcome, UserLeases } from '../../../src/queue/user-lease.ts';
import { holdLease } from '../../../src/workers/lease-keeper.ts';

const TTL = 1_000; // renewals every 200 ms, a 100 ms margin
const user = { provider: 'prod', userName: 'alice' };
const log = createLogger({ level: 'silent', stream: 'stderr' });

/** Renewals wait for the test to answer them, one by one. */
function fakeLeases() {
  const pending: Array<{ resolve: (outcome: RenewOutcome) => void; jobLock: unknown }> = [];
  const released: string[] = [];
  const leases: UserLeases = {
    ttlMs: TTL,
    keyOf: () => 'lease',
    acquire: async () => ({ acquired: true, token: 7, value: '7:abc' }),
    renew: (_user, _value, jobLock) => new Promise((resolve) => pending.push({ resolve, jobLock })),
    release: async (_user, value) => {
      released.push(value);
      return true;
    },
    isHeld: async () => true,
  };
  return { leases, pending, released };
}

async function hold(leases: UserLeases) {
  const lost: TransientError[] = [];
  let jobLockLost = 0;
  const result = await holdLease({
    leases,
    user,
    jobLock: { key: 'job-lock', token: 'bull-token' },
    onLost: (err) => lost.push(err),
    onJobLockLost: () => (jobLockLost += 1),
    log,
  });
  if (!('held' in result)) {
    throw new Error('not acquired');
  }
  return { held: result.held, lost, jobLockLost: () => jobLockLost };
}

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
  });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the lease keeper', () => {
  it('aborts the run at its deadline (TTL − margin after acquiring) when no renewal ever answers', async () => {
    const { leases, pending } = fakeLeases();
    const { held, lost } = await hold(leases);
    expect(held.lease.value).toBe('7:abc');
    expect(held.lease.remainingMs()).toBe(900);
    await vi.advanceTimersByTimeAsync(899);
    expect(pending.length).toBe(4); // sent, never answered: the link went silent
    expect(lost).toEqual([]);
    expect(() => held.lease.assertTimeLeft(0)).not.toThrow();
    await vi.advanceTimersByTimeAsync(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'lease_lost' });
    expect(lost[0]?.message).toMatch(/could not be renewed in time/);
    expect(held.lease.remainingMs()).toBe(0);
    expect(() => held.lease.assertTimeLeft(0)).toThrow(/no longer held/);
    await expect(held.lease.assertHeld()).rejects.toMatchObject({ code: 'lease_lost' });
  });

  it('moves the deadline to the send time of a renewal that got through, not its reply', async () => {
    const { leases, pending } = fakeLeases();
    const { held, lost } = await hold(leases);
    await vi.advanceTimersByTimeAsync(200); // first renewal sent at 200
    await vi.advanceTimersByTimeAsync(500); // answered at 700
    pending[0]?.resolve('renewed');
    await vi.advanceTimersByTimeAsync(0);
    expect(held.lease.remainingMs()).toBe(200 + 900 - 700);
    await vi.advanceTimersByTimeAsync(399);
    expect(lost).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(lost).toHaveLength(1);
  });

  it('refuses a call that may outlast what is left of the lease', async () => {
    const { leases } = fakeLeases();
    const { held } = await hold(leases);
    await vi.advanceTimersByTimeAsync(300);
    expect(() => held.lease.assertTimeLeft(599)).not.toThrow();
    expect(() => held.lease.assertTimeLeft(600)).toThrow(
      /has 600 ms left, less than the 600 ms this call may take/,
    );
  });

  it('reports a lease Redis gave to another holder at once', async () => {
    const { leases, pending } = fakeLeases();
    const { held, lost } = await hold(leases);
    await vi.advanceTimersByTimeAsync(200);
    pending[0]?.resolve('lease_lost');
    await vi.advanceTimersByTimeAsync(0);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toMatch(/passed to another job/);
    expect(held.lease.remainingMs()).toBe(0);
  });

  it('on a lost job lock: tells the run once, then renews the user alone until the run ends', async () => {
    const { leases, pending, released } = fakeLeases();
    const { held, lost, jobLockLost } = await hold(leases);
    await vi.advanceTimersByTimeAsync(200);
    expect(pending[0]?.jobLock).toEqual({ key: 'job-lock', token: 'bull-token' });
    pending[0]?.resolve('job_lock_lost');
    await vi.advanceTimersByTimeAsync(200);
    expect(jobLockLost()).toBe(1);
    expect(lost).toEqual([]);
    expect(pending[1]?.jobLock).toBeUndefined();
    pending[1]?.resolve('renewed');
    await vi.advanceTimersByTimeAsync(0);
    expect(held.lease.remainingMs()).toBe(900);
    await held.release();
    expect(released).toEqual(['7:abc']);
    expect(held.lease.remainingMs()).toBe(0);
  });

  it('keeps a runaway run’s user leased until it settles, then releases it', async () => {
    const { leases, pending, released } = fakeLeases();
    const { held } = await hold(leases);
    let settle: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (settle = resolve));
    held.releaseWhenSettled(running, 60_000);
    for (let i = 0; i < 10; i += 1) {
      await vi.advanceTimersByTimeAsync(200);
      pending.at(-1)?.resolve('renewed');
    }
    expect(pending.at(-1)?.jobLock).toBeUndefined();
    expect(held.lease.remainingMs()).toBeGreaterThan(0);
    settle();
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toEqual(['7:abc']);
  });
});

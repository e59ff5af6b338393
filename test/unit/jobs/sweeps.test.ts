/**
 * The sweeps and the schedule tick with fakes: how heartbeats are spread over the period, which
 * accounts the rotation sweep rotates (age as DESIGN.md counts it) and what it asks of the
 * rotation port, and what a tick enqueues. Against Redis: test/redis/schedules*.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';

import type { AccountRef } from '../../../src/accounts/account-ref.ts';
import type { AccountRecord } from '../../../src/accounts/account-store.ts';
import { PermanentError } from '../../../src/errors.ts';
import type { EnqueueBulk, EnqueueJob } from '../../../src/jobs/define-job.ts';
import { discover } from '../../../src/jobs/discover/contract.ts';
import { heartbeat } from '../../../src/jobs/heartbeat/contract.ts';
import { BATCH, createHeartbeatSweepHandler } from '../../../src/jobs/heartbeat-sweep/handler.ts';
import { heartbeatSweep } from '../../../src/jobs/heartbeat-sweep/contract.ts';
import { dueForRotation } from '../../../src/jobs/rotation-sweep/due-for-rotation.ts';
import {
  createRotationSweepHandler,
  SWEEP_REASON,
} from '../../../src/jobs/rotation-sweep/handler.ts';
import { createScheduleTickHandler } from '../../../src/jobs/schedule-tick/handler.ts';
import { spreadDelays } from '../../../src/jobs/spread-delays.ts';
import {
  DEFAULT_LIFECYCLE_POLICY,
  type LifecyclePolicy,
} from '../../../src/providers/lifecycle-policy.ts';
import type { ProviderRecord } from '../../../src/providers/provider-schema.ts';
import { parseSchedulerId, scheduleEveryMs } from '../../../src/providers/schedule-plan.ts';
import { createFakeContext } from './fake-context.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function account(userName: string, change: Partial<AccountRecord> = {}): AccountRecord {
  return {
    account: `prod/${userName}/access-key`,
    provider: 'prod',
    userName,
    kind: 'access-key',
    status: 'managed',
    userId: `AIDA${userName.toUpperCase()}`,
    secretKnown: true,
    importedAt: daysAgo(1),
    updatedAt: daysAgo(1),
    ...change,
  };
}

function providers(policy: Partial<LifecyclePolicy> = {}, exists = true) {
  const record = { id: 'prod', policy: { ...DEFAULT_LIFECYCLE_POLICY, ...policy } };
  const missing = () => new PermanentError('not_found', 'provider "prod" does not exist');
  return {
    require: async () => {
      if (!exists) {
        throw missing();
      }
      return record as ProviderRecord;
    },
    get: async () => (exists ? (record as ProviderRecord) : undefined),
  };
}

describe('spreading a sweep over its period', () => {
  it('gives each job a moment in its own slot: the whole period used, no crowding', () => {
    const periodMs = 3_600_000;
    const delays = spreadDelays(10_000, periodMs, Math.random);
    expect(delays).toHaveLength(10_000);
    const slot = periodMs / 10_000;
    const outOfSlot = delays.filter(
      (delay, index) => delay < Math.floor(index * slot) || delay >= (index + 1) * slot,
    );
    expect(outOfSlot).toEqual([]);
    // 10,000 accounts over an hour: about 3 a second, never more than 4 in one second.
    const perSecond = new Map<number, number>();
    for (const delay of delays) {
      const second = Math.floor(delay / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(4);
    expect(perSecond.size).toBe(3600);
  });

  it('is empty for no job, and all at once for no period', () => {
    expect(spreadDelays(0, 60_000, Math.random)).toEqual([]);
    expect(spreadDelays(3, 0, Math.random)).toEqual([0, 0, 0]);
  });
});

describe('the heartbeat sweep', () => {
  it('enqueues one heartbeat per account in bulk batches, each in its slot of the period', async () => {
    const accounts = Array.from({ length: 2_500 }, (_, i) =>
      account(`u${String(i).padStart(4, '0')}`),
    );
    const batches: Array<{ payloads: unknown[]; delays: Array<number | undefined> }> = [];
    const enqueueBulk: EnqueueBulk = async (contract, payloads, options) => {
      expect(contract).toBe(heartbeat);
      batches.push({
        payloads: [...payloads],
        delays: payloads.map((_, i) => options?.delayMs?.(i)),
      });
      return payloads.map((_, i) => ({
        queue: 'heartbeat' as const,
        jobId: `${batches.length}-${i}`,
      }));
    };
    const handler = createHeartbeatSweepHandler({
      accounts: { list: async () => accounts },
      providers: providers({ heartbeatEveryMinutes: 30 }),
      enqueueBulk,
      random: () => 0.5,
    });
    const { ctx, progress } = createFakeContext();
    const result = await handler({ provider: 'prod' }, ctx);
    expect(result).toEqual({ provider: 'prod', heartbeats: 2_500, spreadMs: 1_800_000 });
    expect(batches.map((b) => b.payloads.length)).toEqual([BATCH, BATCH, 500]);
    expect(batches[0]?.payloads[0]).toEqual({
      provider: 'prod',
      userName: 'u0000',
      kind: 'access-key',
    });
    const delays = batches.flatMap((b) => b.delays);
    // Slot i of 720 ms, at its middle.
    expect(delays[0]).toBe(360);
    expect(delays[2_499]).toBe(Math.floor(2_499.5 * 720));
    expect(progress.at(-1)).toEqual({ enqueued: 2_500, of: 2_500 });
  });

  it('does nothing when the policy schedules no heartbeat, and fails for a provider that is gone', async () => {
    const enqueueBulk = vi.fn<EnqueueBulk>();
    const deps = { accounts: { list: async () => [account('alice')] }, enqueueBulk };
    const off = createHeartbeatSweepHandler({
      ...deps,
      providers: providers({ heartbeatEveryMinutes: null }),
    });
    expect(await off({ provider: 'prod' }, createFakeContext().ctx)).toEqual({
      provider: 'prod',
      skipped: 'schedule_off',
    });
    const gone = createHeartbeatSweepHandler({ ...deps, providers: providers({}, false) });
    await expect(gone({ provider: 'prod' }, createFakeContext().ctx)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(enqueueBulk).not.toHaveBeenCalled();
  });
});

describe('which accounts the rotation sweep rotates', () => {
  const due = (accounts: AccountRecord[], days = 30) =>
    dueForRotation(accounts, days, NOW).map((a) => a.userName);

  it('counts age from the import for an account never rotated (never from the key’s date in AWS)', () => {
    expect(
      due([
        account('fresh', { importedAt: daysAgo(1) }),
        account('edge', { importedAt: daysAgo(30) }),
        account('old', { importedAt: daysAgo(400) }),
      ]),
    ).toEqual(['edge', 'old']);
  });

  it('counts age from our last rotation; a failed one replaced nothing and restarts nothing', () => {
    expect(
      due([
        account('rotated-lately', {
          importedAt: daysAgo(400),
          lastRotation: { state: 'succeeded', at: daysAgo(2) },
        }),
        account('rotated-long-ago', {
          importedAt: daysAgo(400),
          lastRotation: { state: 'succeeded', at: daysAgo(31) },
        }),
        account('failed-lately', {
          importedAt: daysAgo(400),
          lastRotation: { state: 'failed', at: daysAgo(1) },
        }),
      ]),
    ).toEqual(['rotated-long-ago', 'failed-lately']);
  });

  it('leaves an account whose rotation is running to it', () => {
    expect(due([account('busy', { importedAt: daysAgo(90), status: 'rotating' })])).toEqual([]);
  });
});

describe('the rotation sweep', () => {
  function setup(accounts: AccountRecord[], answer: (ref: AccountRef) => boolean = () => true) {
    const requested: Array<{ ref: AccountRef; reason: string; delayMs: number | undefined }> = [];
    const handler = createRotationSweepHandler({
      accounts: { list: async () => accounts },
      providers: providers({ rotateEveryDays: 90 }),
      // The port t11 wires to the `rotate` job; here a fake that records and answers.
      requestRotation: async (ref, reason, options) => {
        requested.push({ ref, reason, delayMs: options?.delayMs });
        return answer(ref) ? { queue: 'rotation', jobId: `r-${ref.userName}` } : undefined;
      },
      now: () => NOW,
      random: () => 0,
    });
    return { handler, requested };
  }

  it('asks the rotation port for each account due, spread over the day', async () => {
    const { handler, requested } = setup([
      account('alice', { importedAt: daysAgo(91) }),
      account('bob', { importedAt: daysAgo(10) }),
      account('carol', {
        importedAt: daysAgo(200),
        kind: 'password',
        account: 'prod/carol/password',
      }),
    ]);
    const result = await handler({ provider: 'prod' }, createFakeContext().ctx);
    expect(result).toEqual({ provider: 'prod', due: 2, requested: 2, notRequested: 0 });
    expect(requested).toEqual([
      {
        ref: { provider: 'prod', userName: 'alice', kind: 'access-key' },
        reason: SWEEP_REASON,
        delayMs: 0,
      },
      {
        ref: { provider: 'prod', userName: 'carol', kind: 'password' },
        reason: SWEEP_REASON,
        delayMs: 43_200_000,
      },
    ]);
  });

  it('counts the rotations the port did not enqueue (refused, or not available yet)', async () => {
    const { handler } = setup(
      [account('alice', { importedAt: daysAgo(91) }), account('dave', { importedAt: daysAgo(95) })],
      (ref) => ref.userName !== 'dave',
    );
    expect(await handler({ provider: 'prod' }, createFakeContext().ctx)).toEqual({
      provider: 'prod',
      due: 2,
      requested: 1,
      notRequested: 1,
    });
  });
});

describe('the schedule tick', () => {
  it('enqueues its job through the producer, so its deduplication id applies', async () => {
    const enqueue = vi.fn<EnqueueJob>(async (contract) => ({ queue: contract.queue, jobId: '7' }));
    const handler = createScheduleTickHandler({ providers: providers() });
    const { ctx } = createFakeContext({ enqueue });
    expect(await handler({ provider: 'prod', job: 'discover' }, ctx)).toEqual({
      provider: 'prod',
      job: 'discover',
      enqueued: { queue: 'discovery', jobId: '7' },
    });
    await handler({ provider: 'prod', job: 'heartbeat-sweep' }, ctx);
    expect(enqueue.mock.calls.map(([contract, payload]) => [contract, payload])).toEqual([
      [discover, { provider: 'prod' }],
      [heartbeatSweep, { provider: 'prod' }],
    ]);
  });

  it('does nothing for a provider that is gone or a schedule switched off', async () => {
    const enqueue = vi.fn<EnqueueJob>();
    const { ctx } = createFakeContext({ enqueue });
    const gone = createScheduleTickHandler({ providers: providers({}, false) });
    expect(await gone({ provider: 'prod', job: 'discover' }, ctx)).toMatchObject({
      skipped: 'provider_removed',
    });
    const off = createScheduleTickHandler({ providers: providers({ discoverEveryHours: null }) });
    expect(await off({ provider: 'prod', job: 'discover' }, ctx)).toMatchObject({
      skipped: 'schedule_off',
    });
    expect(enqueue).not.toHaveBeenCalled();
  });
});

describe('the schedule plan', () => {
  it('derives each period from the policy; null means none, and the rotation sweep is daily', () => {
    const policy = { discoverEveryHours: 24, heartbeatEveryMinutes: 60, rotateEveryDays: 90 };
    expect(scheduleEveryMs(policy, 'discover')).toBe(86_400_000);
    expect(scheduleEveryMs(policy, 'heartbeat-sweep')).toBe(3_600_000);
    expect(scheduleEveryMs(policy, 'rotation-sweep')).toBe(86_400_000);
    expect(scheduleEveryMs({ ...policy, rotateEveryDays: null }, 'rotation-sweep')).toBeUndefined();
    expect(scheduleEveryMs(policy, 'heartbeat-sweep', { minuteMs: 100 })).toBe(6_000);
  });

  it('reads back its own scheduler ids and no one else’s', () => {
    expect(parseSchedulerId('prod-eu:heartbeat-sweep')).toEqual({
      provider: 'prod-eu',
      job: 'heartbeat-sweep',
    });
    expect(parseSchedulerId('nightly-report')).toBeUndefined();
    expect(parseSchedulerId('prod:report')).toBeUndefined();
  });
});

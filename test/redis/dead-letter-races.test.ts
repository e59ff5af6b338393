/**
 * The dead-letter under concurrency: the worker's listener and reconcilers copying one failure
 * at once, operators replaying one entry at once, and `replayAll` going on past entries that
 * cannot be replayed.
 */
import { describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { failJob } from '../support/fail-job.ts';

// The worker serves `validate` only: the other queues' jobs are failed by hand and stay put.
const engine = useEngine({ runtime: { queues: ['validate'] } });
const dlq = () => engine.runtime().deadLetter;
const locked = (key: string) => ({ provider: 'prod', key, userName: 'grace' });

async function deadLettered(queue: 'rotation' | 'heartbeat', name: string, data: object) {
  const job = await failJob(engine, queue, name, data, 'needs_decision: a person must look');
  expect(await dlq().record(queue, job)).toBe(true);
  return `${queue}-${job.id}`;
}

async function waitingRotationJobs() {
  return engine.queues.get('rotation').getJobs(['waiting']);
}

describe('the dead-letter, concurrently', () => {
  it('copies one failure once when several callers copy it at the same time', async () => {
    const job = await failJob(
      engine,
      'heartbeat',
      'heartbeat',
      { provider: 'prod', userName: 'heidi', kind: 'password' },
      'user_missing: gone',
    );
    const id = `heartbeat-${job.id}`;
    const outcomes = await Promise.all([
      ...Array.from({ length: 4 }, () => dlq().record('heartbeat', job)),
      ...Array.from({ length: 2 }, () => dlq().reconcile(['heartbeat'])),
    ]);
    expect(outcomes.filter((copied) => copied === true || copied === 1)).toHaveLength(1);
    expect((await dlq().list()).filter((e) => e.jobId === job.id)).toHaveLength(1);
    const events = await engine.events.read({ limit: 1000 });
    expect(events.filter((e) => e.type === 'job.dead_lettered' && e.detail.id === id)).toHaveLength(
      1,
    );
  });

  it('lets a failure be copied again when copying it failed half-way', async () => {
    const job = await failJob(engine, 'heartbeat', 'heartbeat', { provider: 'prod' }, 'x: y');
    // An unreadable state snapshot makes this copy fail after its claim.
    const state = engine.keys.jobState('heartbeat', job.id ?? '');
    await engine.producer.set(state, '{not json');
    await expect(dlq().record('heartbeat', job)).rejects.toThrow(/JSON/);
    await engine.producer.del(state);
    expect(await dlq().reconcile(['heartbeat'])).toBe(1);
    expect(await dlq().show(`heartbeat-${job.id}`)).toMatchObject({ jobId: job.id });
  });

  it('replays one entry once when several callers replay it at the same time', async () => {
    const id = await deadLettered('rotation', 'test-locked', locked('raced'));
    const before = (await waitingRotationJobs()).length;
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => dlq().replay(id)));
    const replayed = outcomes.filter((o) => o.status === 'fulfilled');
    expect(replayed).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect(outcome.reason).toMatchObject({ code: 'conflict' });
    }
    expect((await waitingRotationJobs()).length).toBe(before + 1);
    await expect(dlq().replay(id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/replayed already/),
    });
  });

  it('lets an entry be replayed again when its enqueue failed', async () => {
    // No userName: the contract refuses the payload, so nothing is enqueued.
    const id = await deadLettered('rotation', 'test-locked', { provider: 'prod', key: 'bad' });
    await expect(dlq().replay(id)).rejects.toMatchObject({ code: 'invalid_payload' });
    await expect(dlq().replay(id)).rejects.toMatchObject({ code: 'invalid_payload' });
    expect((await dlq().show(id)).replayed).toBeUndefined();
  });

  it('replays all it can, and reports each entry it could not', async () => {
    await dlq().purge();
    const ghost = await deadLettered('heartbeat', 'ghost', { provider: 'prod' });
    const invalid = await deadLettered('rotation', 'test-locked', { provider: 'prod', key: 'x' });
    const good = await deadLettered('rotation', 'test-locked', locked('good'));
    const done = await deadLettered('rotation', 'test-locked', locked('done'));
    await dlq().replay(done);

    const outcomes = await dlq().replayAll();
    expect(outcomes).toEqual([
      {
        id: ghost,
        error: { code: 'unknown_job', message: expect.stringMatching(/no job "ghost"/) },
      },
      { id: invalid, error: { code: 'invalid_payload', message: expect.any(String) } },
      { id: good, queue: 'rotation', jobId: expect.any(String) },
    ]);
    expect((await dlq().show(good)).replayed).toBeDefined();
  });
});

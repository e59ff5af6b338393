/** The dead-letter: exhausted attempts, a worker crash before the copy, replay, removal, purge. */
import { UnrecoverableError, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';

import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import { useEngine } from '../support/engine.ts';
import { testEcho } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

// This file's worker serves `validate` only; `heartbeat` is left to a bare BullMQ worker.
const engine = useEngine({ runtime: { queues: ['validate'] } });
const dlq = () => engine.runtime().deadLetter;

describe('the dead-letter', () => {
  it('takes a job whose attempts ran out, with the reason of its last failure; replay runs it again', async () => {
    const job = await engine.enqueue(testEcho, { provider: 'prod', key: 'flaky', failTimes: 3 });
    expect(await engine.finished(job)).toMatchObject({ state: 'failed', attemptsMade: 3 });
    const id = `validate-${job.jobId}`;
    const entry = await waitFor('the entry', async () =>
      (await dlq().list()).find((e) => e.id === id),
    );
    expect(entry).toMatchObject({ reason: 'iam_unavailable', attempts: 3, state: null });

    const replayed = await dlq().replay(id);
    expect(replayed).toMatchObject({ id, queue: 'validate' });
    expect(replayed.jobId).not.toBe(job.jobId);
    expect(await engine.finished(replayed)).toMatchObject({
      state: 'completed',
      result: { run: 4 },
    });
    expect(await dlq().show(id)).toMatchObject({
      replayed: { jobId: replayed.jobId, at: expect.any(String) },
    });
    await expect(dlq().replay(id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await dlq().replayAll()).toEqual([]);

    await dlq().remove(id);
    await expect(dlq().show(id)).rejects.toMatchObject({ code: 'not_found' });
    // The reconciler does not bring back an entry someone dealt with.
    await dlq().reconcile(['validate']);
    await expect(dlq().show(id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('copies a job that failed while no dead-letter listener ran (a crash in between), exactly once', async () => {
    const connection = createRedisConnection(engine.config.redis, 'worker', engine.log);
    const bare = new Worker(
      'heartbeat',
      async () => {
        throw new UnrecoverableError('user_missing: the user is gone');
      },
      { connection, prefix: engine.keys.bullPrefix },
    );
    const added = await engine.queues
      .get('heartbeat')
      .add('heartbeat', { provider: 'prod', userName: 'erin', kind: 'access-key' });
    await waitFor('the failure', async () =>
      (await added.isFailed()) ||
      (await engine.queues.get('heartbeat').getJob(added.id ?? ''))?.finishedOn
        ? true
        : undefined,
    );
    await bare.close();
    connection.disconnect();

    expect(await dlq().reconcile(['heartbeat'])).toBe(1);
    expect(await dlq().reconcile(['heartbeat'])).toBe(0);
    expect(await dlq().show(`heartbeat-${added.id}`)).toMatchObject({
      queue: 'heartbeat',
      name: 'heartbeat',
      reason: 'user_missing',
      data: { provider: 'prod', userName: 'erin', kind: 'access-key' },
    });
    const events = await engine.events.read({ limit: 1000 });
    expect(
      events.filter((e) => e.type === 'job.dead_lettered' && e.detail.queue === 'heartbeat'),
    ).toEqual([expect.objectContaining({ provider: 'prod', account: 'prod/erin/access-key' })]);
    // No job named "heartbeat" is declared in this process: it cannot be replayed here.
    await expect(dlq().replay(`heartbeat-${added.id}`)).rejects.toMatchObject({
      code: 'unknown_job',
    });
  });

  it('purges every entry', async () => {
    const job = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'doomed',
      permanent: true,
    });
    await engine.finished(job);
    await waitFor('the entry', async () =>
      (await dlq().list()).some((e) => e.id === `validate-${job.jobId}`) ? true : undefined,
    );
    const depth = await dlq().depth();
    expect(depth).toBeGreaterThan(0);
    expect(await dlq().purge()).toBe(depth);
    expect(await dlq().list()).toEqual([]);
  });
});

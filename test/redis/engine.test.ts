/** The job engine on a real Redis, with trivial test job types: retries, failures, payloads, duplicates, deadlines. */
import { describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { releaseKey, runsKey, testEcho, testShortDeadline } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const engine = useEngine();
const runs = async (key: string) =>
  Number((await engine.redis.redis.get(runsKey(engine.redis.prefix, key))) ?? 0);

describe('the job engine', () => {
  it('retries a transient failure with backoff, then completes', async () => {
    const job = await engine.enqueue(testEcho, { provider: 'prod', key: 'retry', failTimes: 2 });
    const status = await engine.finished(job);
    expect(status).toMatchObject({
      state: 'completed',
      attemptsMade: 3,
      result: { key: 'retry', run: 3 },
    });
    expect(await runs('retry')).toBe(3);
  });

  it('fails at once, without retries, on a permanent error, into one dead-letter entry', async () => {
    const job = await engine.enqueue(testEcho, { provider: 'prod', key: 'perm', permanent: true });
    const status = await engine.finished(job);
    expect(status).toMatchObject({
      state: 'failed',
      reason: 'needs_decision',
      result: { reason: 'needs_decision' },
      failedReason: expect.stringMatching(/^needs_decision: test job perm cannot go on/),
    });
    expect(await runs('perm')).toBe(1);
    await entryOf(`validate-${job.jobId}`);
    const entries = await engine.runtime().deadLetter.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id: `validate-${job.jobId}`,
      queue: 'validate',
      name: 'test-echo',
      reason: 'needs_decision',
      attempts: 1,
      data: { provider: 'prod', key: 'perm' },
      state: { step: 'plan', run: 1, secretAccessKey: '[Redacted]' },
    });
    // The reconciler runs again and again: still one entry.
    await engine.runtime().workers.reconcileNow();
    expect(await engine.runtime().deadLetter.list()).toHaveLength(1);
    const events = await engine.events.read({ limit: 100 });
    expect(events.filter((e) => e.type === 'job.dead_lettered')).toEqual([
      expect.objectContaining({
        provider: 'prod',
        jobId: job.jobId,
        detail: expect.objectContaining({ reason: 'needs_decision', queue: 'validate' }),
      }),
    ]);
  });

  it('refuses a bad payload at enqueue, naming the field, and enqueues nothing', async () => {
    const before = await engine.queues.get('validate').count();
    await expect(
      engine.enqueue(testEcho, { provider: 'Not A Provider', key: 'x' }),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      message: expect.stringMatching(/^test-echo: provider: must be 1-63 lower-case letters/),
    });
    expect(await engine.queues.get('validate').count()).toBe(before);
  });

  it('fails a bad payload at run time without running the handler, into the dead-letter', async () => {
    // An upstream system enqueueing with BullMQ directly, without validation.
    const added = await engine.queues
      .get('validate')
      .add('test-echo', { provider: 42, key: 'raw-bad' }, { attempts: 3 });
    const status = await engine.finished({ queue: 'validate', jobId: added.id ?? '' });
    expect(status).toMatchObject({ state: 'failed', reason: 'invalid_payload', attemptsMade: 1 });
    expect(status.failedReason).toMatch(/provider: Invalid input: expected string/);
    expect(await runs('raw-bad')).toBe(0);
    expect(await entryOf(`validate-${added.id}`)).toMatchObject({ reason: 'invalid_payload' });
  });

  it('fails a job no handler here knows, without retries, into the dead-letter', async () => {
    const added = await engine.queues
      .get('validate')
      .add('from-the-future', { provider: 'prod' }, { attempts: 5 });
    const status = await engine.finished({ queue: 'validate', jobId: added.id ?? '' });
    expect(status).toMatchObject({ state: 'failed', reason: 'unknown_job', attemptsMade: 1 });
    expect(await entryOf(`validate-${added.id}`)).toMatchObject({ reason: 'unknown_job' });
  });

  it('fails a job added to a queue its contract does not name, without running it', async () => {
    // test-locked is bound in this process, but on the rotation queue.
    const added = await engine.queues
      .get('validate')
      .add(
        'test-locked',
        { provider: 'prod', key: 'wrong-queue', userName: 'zed' },
        { attempts: 3 },
      );
    const status = await engine.finished({ queue: 'validate', jobId: added.id ?? '' });
    expect(status).toMatchObject({ state: 'failed', reason: 'unknown_job', attemptsMade: 1 });
    expect(await runs('wrong-queue')).toBe(0);
    expect(await entryOf(`validate-${added.id}`)).toMatchObject({ reason: 'unknown_job' });
  });

  it('collapses duplicate enqueues of live work into one job and one execution', async () => {
    // The job stays live until released, however slowly the enqueues come.
    const payload = { provider: 'prod', key: 'dup', holdUntilReleased: true };
    const jobs = await Promise.all([1, 2, 3, 4, 5].map(() => engine.enqueue(testEcho, payload)));
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(1);
    await engine.redis.redis.set(releaseKey(engine.redis.prefix, 'dup'), '1');
    await engine.finished(jobs[0]!);
    expect(await runs('dup')).toBe(1);
    // Once it finished, the same request is new work again (no fixed job id blocks it).
    const again = await engine.enqueue(testEcho, payload);
    expect(again.jobId).not.toBe(jobs[0]!.jobId);
    await engine.finished(again);
    expect(await runs('dup')).toBe(2);
  });

  it('aborts a run past its deadline, even when the handler ignores its signal', async () => {
    for (const ignoreSignal of [false, true]) {
      const key = `slow-${ignoreSignal}`;
      const started = Date.now();
      const job = await engine.enqueue(testShortDeadline, {
        provider: 'prod',
        key,
        sleepMs: 3_000, // well past the 300 ms deadline, which ends the wait
        ignoreSignal,
      });
      const status = await engine.finished(job);
      expect(status).toMatchObject({ state: 'failed', reason: 'deadline_exceeded' });
      expect(status.failedReason).toMatch(/ran past its deadline of 300 ms/);
      expect(Date.now() - started).toBeLessThan(2_500);
    }
  });

  it('reports progress, emits events and never stores a secret in a result or an event', async () => {
    const job = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'chatty',
      progressSteps: 3,
      emit: true,
      leakyResult: true,
    });
    const status = await engine.finished(job);
    expect(status).toMatchObject({
      state: 'completed',
      progress: { step: 3, of: 3 },
      result: { key: 'chatty', secretAccessKey: '[Redacted]' },
    });
    const verdicts = (await engine.events.read({ limit: 1000 })).filter(
      (e) => e.type === 'heartbeat.verdict',
    );
    expect(verdicts).toEqual([
      {
        id: expect.stringMatching(/^\d+-\d+$/),
        type: 'heartbeat.verdict',
        at: expect.any(String),
        provider: 'prod',
        account: 'prod/alice/access-key',
        jobId: job.jobId,
        detail: { verdict: 'in_sync', password: '[Redacted]' },
      },
    ]);
    const raw = JSON.stringify(
      await engine.redis.redis.hgetall(`{${engine.redis.prefix}}:validate:${job.jobId}`),
    );
    expect(raw).not.toContain('must-never-be-stored');
  });
});

/** The dead-letter entry `id`, once the failed listener has copied it. */
function entryOf(id: string) {
  return waitFor(`dead-letter entry ${id}`, async () =>
    (await engine.runtime().deadLetter.list()).find((e) => e.id === id),
  );
}

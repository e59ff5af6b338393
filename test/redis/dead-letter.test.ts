/**
 * The dead-letter: exhausted attempts, a worker crash before the copy, a job retried by hand
 * failing again, scrubbing, id checks, replay, removal, purge.
 */
import { describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { failAgain, failJob } from '../support/fail-job.ts';
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
    const added = await failJob(
      engine,
      'heartbeat',
      'heartbeat',
      { provider: 'prod', userName: 'erin', kind: 'access-key' },
      'user_missing: the user is gone',
    );

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

  it('takes a job retried by hand (the dashboard "retry") again when it fails again', async () => {
    const job = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'retried',
      permanent: true,
    });
    await engine.finished(job);
    const first = `validate-${job.jobId}`;
    await waitFor('the first entry', async () => (await dlq().list()).find((e) => e.id === first));

    const bull = await engine.queues.get('validate').getJob(job.jobId);
    await bull?.retry('failed');
    const later = await waitFor('the second entry', async () =>
      (await dlq().list()).find((e) => e.jobId === job.jobId && e.id !== first),
    );
    const failedAgain = await engine.queues.get('validate').getJob(job.jobId);
    expect(later).toMatchObject({
      id: `${first}-${failedAgain?.finishedOn}`,
      reason: 'needs_decision',
      at: new Date(failedAgain?.finishedOn ?? 0).toISOString(),
    });
    expect(await dlq().show(first)).toMatchObject({ id: first });
    const events = await engine.events.read({ limit: 1000 });
    expect(
      events
        .filter((e) => e.type === 'job.dead_lettered' && e.jobId === job.jobId)
        .map((e) => e.detail.id),
    ).toEqual([first, later.id]);
    // Both entries name their failure: each is replayed on its own.
    expect(await dlq().replay(later.id)).toMatchObject({ id: later.id, queue: 'validate' });
  });

  it('reconciles a later failure of a job it copied before; a removed entry frees the plain id', async () => {
    const failed = await failJob(
      engine,
      'discovery',
      'discover',
      { provider: 'prod' },
      'internal: boom',
    );
    const id = `discovery-${failed.id}`;
    expect(await dlq().reconcile(['discovery'])).toBe(1);

    const again = await failAgain(engine, failed, 'internal: boom again');
    expect(await dlq().reconcile(['discovery'])).toBe(1);
    expect(await dlq().reconcile(['discovery'])).toBe(0);
    expect(await dlq().show(`${id}-${again.finishedOn}`)).toMatchObject({
      failedReason: 'internal: boom again',
    });

    // Removed, then the job fails once more: its new failure takes the plain id back.
    await dlq().remove(id);
    await failAgain(engine, again, 'internal: third time');
    expect(await dlq().reconcile(['discovery'])).toBe(1);
    expect(await dlq().show(id)).toMatchObject({ failedReason: 'internal: third time' });
  });

  it('stores no secret from the job data, the failure text or the handler state', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const failed = await failJob(
      engine,
      'rotation',
      'rotate',
      {
        provider: 'prod',
        userName: 'frank',
        kind: 'access-key',
        secretAccessKey: secret,
        nested: [{ password: `${secret}-pw` }],
      },
      `iam_rejected_input: CreateAccessKey answered {"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"${secret}"}; retried with secretAccessKey=${secret}, token: '${secret}'`,
    );
    // A state written by something other than the scrubbing job-state store.
    await engine.producer.set(
      engine.keys.jobState('rotation', failed.id ?? ''),
      JSON.stringify({ step: 'create', newSecret: secret }),
    );
    expect(await dlq().record('rotation', failed)).toBe(true);

    const id = `rotation-${failed.id}`;
    const entry = await dlq().show(id);
    expect(entry).toMatchObject({
      reason: 'iam_rejected_input',
      data: { provider: 'prod', userName: 'frank', secretAccessKey: '[Redacted]' },
      failedReason: expect.stringMatching(
        /^iam_rejected_input: CreateAccessKey answered \{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"\[Redacted\]"\}/,
      ),
      state: { step: 'create', newSecret: '[Redacted]' },
    });
    const stored = await engine.producer.hgetall(engine.queues.get('dead-letter').toKey(id));
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(entry)).not.toContain(secret);
    // Its payload is not the job's own any more: replaying it would run other work.
    await expect(dlq().replay(id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/redacted .* cannot be replayed/),
    });
  });

  it('shows, replays and removes the entry of a job an upstream system named', async () => {
    const failed = await failJob(
      engine,
      'heartbeat',
      'test-echo',
      { provider: 'prod', key: 'named' },
      'x: y',
      { jobId: 'upstream-abc.1' },
    );
    expect(await dlq().record('heartbeat', failed)).toBe(true);
    const id = 'heartbeat-upstream-abc.1';
    expect(await dlq().show(id)).toMatchObject({ id, jobId: 'upstream-abc.1', queue: 'heartbeat' });
    await dlq().remove(id);
    await expect(dlq().show(id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses an id that cannot name an entry, touching nothing', async () => {
    const dlqMeta = engine.queues.get('dead-letter').toKey('meta');
    expect(await engine.producer.exists(dlqMeta)).toBe(1);
    const long = 'validate-'.padEnd(5_000, '9');
    for (const id of [
      'meta',
      '../x',
      '',
      long,
      '42',
      'dead-letter-1',
      'validate-1 x',
      'Validate-1',
    ]) {
      for (const call of [dlq().show(id), dlq().replay(id), dlq().remove(id)]) {
        const err = await call.then(
          () => undefined,
          (e: unknown) => e as Error & { code: string },
        );
        expect(err).toMatchObject({
          code: 'not_found',
          message: expect.stringMatching(/validate-42/),
        });
        expect(err?.message.length).toBeLessThan(300);
      }
    }
    expect(await engine.producer.exists(dlqMeta)).toBe(1);
    // A well-formed id of no entry: not found either.
    await expect(dlq().remove('validate-999999')).rejects.toMatchObject({ code: 'not_found' });
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

/**
 * `GET /v1/jobs/{queue}/{jobId}` over a real Redis: a job no contract declares on its queue is
 * `unknown_job`, and whatever a job holds (data, result, progress), no secret is shown or stored.
 */
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { PermanentError } from '../../src/errors.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import { bindHandlers } from '../../src/workers/bind-handlers.ts';
import { useEngine } from '../support/engine.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import { testContracts, testEcho } from '../support/test-jobs.ts';

const TOKEN = 'reader-token-0123456789';
/** Written into Redis on purpose (by a foreign worker): the API must not show it. */
const STORED_SECRET = 'stored-secret-never-shown-0123';
/** Reported by one of our handlers: the engine must not even store it. */
const PROGRESS_SECRET = 'progress-secret-never-stored-0123';

// Our worker runs `validate` only: `heartbeat` is left to a foreign BullMQ worker below.
const engine = useEngine({
  env: { IAM_PAM_API_TOKENS: `reader:${TOKEN}:read` },
  runtime: { queues: ['validate'] },
  createJobs: () =>
    bindHandlers([testEcho], {
      'test-echo': async (payload, ctx) => {
        await ctx.progress({
          step: 1,
          secretAccessKey: PROGRESS_SECRET,
          keys: [{ password: PROGRESS_SECRET }],
        });
        if (payload.permanent) {
          throw new PermanentError('needs_decision', `test job ${payload.key} cannot go on`);
        }
        return { key: payload.key };
      },
    }),
});

let api: ApiRuntime;
beforeAll(async () => {
  api = await startApiRuntime({
    config: engine.config,
    log: engine.log,
    contracts: testContracts,
    plugins: [],
    listen: false,
  });
});
afterAll(async () => {
  await api.close();
});

const get = (path: string) =>
  api.app.inject({ url: path, headers: { authorization: `Bearer ${TOKEN}` } });

describe('GET /v1/jobs/{queue}/{jobId}', () => {
  it('answers unknown_job for a job declared on another queue, or not at all', async () => {
    const misplaced = await engine.queues
      .get('validate')
      .add('test-locked', { provider: 'prod', key: 'misplaced', userName: 'alice' });
    const foreign = await engine.queues
      .get('validate')
      .add('from-the-future', { provider: 'prod' }, { attempts: 1 });
    await engine.finished({ queue: 'validate', jobId: foreign.id ?? '' });

    const wrongQueue = await get(`/v1/jobs/validate/${misplaced.id}`);
    expect(wrongQueue.statusCode).toBe(404);
    expect(wrongQueue.json()).toEqual({
      error: {
        code: 'unknown_job',
        message: expect.stringMatching(
          /"test-locked" job, which belongs on queue rotation, not validate/,
        ),
      },
    });
    const undeclared = await get(`/v1/jobs/validate/${foreign.id}`);
    expect(undeclared.statusCode).toBe(404);
    expect(undeclared.json().error).toEqual({
      code: 'unknown_job',
      message: expect.stringMatching(/"from-the-future" job, a name no job type here declares/),
    });
    // Dead-letter entries keep their job's name: declared on its own queue, it is described.
    const failed = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'dead',
      permanent: true,
    });
    await engine.finished(failed);
    await engine.runtime().workers.reconcileNow();
    const entry = await get(`/v1/jobs/dead-letter/validate-${failed.jobId}`);
    expect(entry.statusCode).toBe(200);
    expect(entry.json()).toMatchObject({ queue: 'dead-letter', name: 'test-echo' });
    const foreignEntry = await get(`/v1/jobs/dead-letter/validate-${foreign.id}`);
    expect(foreignEntry.json().error.code).toBe('unknown_job');
  });

  it('shows no secret a foreign worker left in data, result or progress', async () => {
    const connection = createRedisConnection(engine.config.redis, 'worker', engine.log);
    const foreign = new Worker(
      'heartbeat',
      async (job) => {
        await job.updateProgress({ step: 'half', token: STORED_SECRET });
        return {
          verdict: 'in_sync',
          secretAccessKey: STORED_SECRET,
          nested: [{ password: STORED_SECRET }],
        };
      },
      { connection, prefix: engine.keys.bullPrefix },
    );
    try {
      const job = await engine.queues.get('heartbeat').add('test-short-deadline', {
        provider: 'prod',
        key: 'leaky',
        password: STORED_SECRET,
      });
      await engine.finished({ queue: 'heartbeat', jobId: job.id ?? '' });
      const response = await get(`/v1/jobs/heartbeat/${job.id}`);
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(STORED_SECRET);
      expect(response.json()).toMatchObject({
        state: 'completed',
        data: { provider: 'prod', key: 'leaky', password: '[Redacted]' },
        progress: { step: 'half', token: '[Redacted]' },
        result: {
          verdict: 'in_sync',
          secretAccessKey: '[Redacted]',
          nested: [{ password: '[Redacted]' }],
        },
      });
    } finally {
      await foreign.close();
      connection.disconnect();
    }
  });

  it('shows a job an upstream system named, and its failure text without secrets, here and on the dashboard', async () => {
    const connection = createRedisConnection(engine.config.redis, 'worker', engine.log);
    const foreign = new Worker(
      'heartbeat',
      async () => {
        throw new Error(
          `internal: CreateAccessKey answered {"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"${STORED_SECRET}"}`,
        );
      },
      { connection, prefix: engine.keys.bullPrefix },
    );
    try {
      const job = await engine.queues
        .get('heartbeat')
        .add(
          'test-short-deadline',
          { provider: 'prod', key: 'named' },
          { jobId: 'upstream-abc.1' },
        );
      await engine.finished({ queue: 'heartbeat', jobId: job.id ?? '' });
      const response = await get('/v1/jobs/heartbeat/upstream-abc.1');
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(STORED_SECRET);
      expect(response.json()).toMatchObject({
        jobId: 'upstream-abc.1',
        state: 'failed',
        reason: 'internal',
        failedReason: expect.stringContaining('"SecretAccessKey":"[Redacted]"'),
      });
      for (const path of [
        '/admin/queues/api/queues/heartbeat/upstream-abc.1',
        '/admin/queues/api/queues?activeQueue=heartbeat&status=failed',
      ]) {
        const board = await get(path);
        expect(board.statusCode, path).toBe(200);
        expect(board.body, path).toContain('upstream-abc.1');
        expect(board.body, path).toContain('[Redacted]');
        expect(board.body, path).not.toContain(STORED_SECRET);
      }
    } finally {
      await foreign.close();
      connection.disconnect();
    }
  });

  it("answers 404 for an id that reaches a job's sub-key, not WRONGTYPE", async () => {
    const job = await engine.queues
      .get('heartbeat')
      .add('test-short-deadline', { provider: 'prod', key: 'logged' }, { jobId: 'tenant:prod:7' });
    await job.log('a line');
    for (const id of ['tenant:prod:7:logs', `${job.id}:logs`]) {
      const answer = await get(`/v1/jobs/heartbeat/${encodeURIComponent(id)}`);
      expect(answer.statusCode, id).toBe(404);
      expect(answer.json().error.code, id).toBe('not_found');
    }
    expect((await get('/v1/jobs/heartbeat/tenant%3Aprod%3A7')).json()).toMatchObject({
      jobId: 'tenant:prod:7',
      state: 'waiting',
    });
    await job.remove();
  });

  it("stores and shows a handler's progress without its secrets", async () => {
    const job = await engine.enqueue(testEcho, { provider: 'prod', key: 'progress' });
    await engine.finished(job);
    const response = await get(`/v1/jobs/validate/${job.jobId}`);
    expect(response.json()).toMatchObject({
      state: 'completed',
      progress: { step: 1, secretAccessKey: '[Redacted]', keys: [{ password: '[Redacted]' }] },
    });
    // Neither the job's hash nor the event stream holds it.
    expect(
      await scanForSecrets(engine.redis.redis, engine.redis.prefix, [PROGRESS_SECRET]),
    ).toEqual([]);
  });
});

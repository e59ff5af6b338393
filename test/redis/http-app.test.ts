/** The HTTP application over a real Redis and a running worker: tokens, scopes, routes, docs, dashboard. */
import { FlowProducer } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { PermanentError } from '../../src/errors.ts';
import { registerEnqueueRoute } from '../../src/http/enqueue-route.ts';
import type { HttpRoutePlugin } from '../../src/http/http-deps.ts';
import { useEngine } from '../support/engine.ts';
import { createLogSink } from '../support/log-sink.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { testContracts, testEcho } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const TOKENS = {
  reader: 'reader-token-0123456789',
  enqueuer: 'enqueue-token-0123456789',
  ops: 'admin-token-0123456789ab',
};
const engine = useEngine({
  env: {
    IAM_PAM_API_TOKENS: `reader:${TOKENS.reader}:read,enqueuer:${TOKENS.enqueuer}:enqueue,ops:${TOKENS.ops}:admin`,
  },
});

let refuse = false;
// Test-only enqueue routes, added the way later issues add theirs.
const testRoutes: HttpRoutePlugin = async (app, deps) => {
  registerEnqueueRoute(app, deps, {
    url: '/v1/test/:provider/guarded',
    contract: testEcho,
    payload: (request) => ({
      key: 'guarded',
      provider: (request.params as { provider: string }).provider,
    }),
    check: async () => {
      if (refuse) {
        throw new PermanentError('rotation_in_progress', 'a half-finished run blocks this one');
      }
    },
  });
  registerEnqueueRoute(app, deps, {
    url: '/v1/test/:provider/echo',
    contract: testEcho,
    // The body is checked by the contract's schema when enqueued (400 naming the field).
    payload: (request) => ({
      ...(request.body as { key: string }),
      provider: (request.params as { provider: string }).provider,
    }),
  });
};

let api: ApiRuntime;
let app: FastifyInstance;
beforeAll(async () => {
  api = await startApiRuntime({
    config: engine.config,
    log: engine.log,
    contracts: testContracts,
    plugins: [testRoutes],
    listen: false,
  });
  app = api.app;
});
afterAll(async () => {
  await api.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (name: string, token: string) => ({
  authorization: `Basic ${Buffer.from(`${name}:${token}`).toString('base64')}`,
});

async function enqueueEcho(body: object, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/test/prod/echo',
    headers: { ...bearer(TOKENS.enqueuer), ...headers },
    payload: body,
  });
}

describe('the HTTP API', () => {
  it('answers 401 without a token or with a wrong one, and 403 without the scope', async () => {
    const none = await app.inject({ url: '/v1/events' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const wrong = await app.inject({ url: '/v1/events', headers: bearer(`${TOKENS.reader}x`) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain(TOKENS.reader);
    const forbidden = await app.inject({
      method: 'POST',
      url: '/v1/test/prod/echo',
      headers: bearer(TOKENS.reader),
      payload: { key: 'nope' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toEqual({
      code: 'forbidden',
      message: 'the token "reader" lacks the scope "enqueue"',
    });
    // admin implies read and enqueue
    expect((await app.inject({ url: '/v1/events', headers: bearer(TOKENS.ops) })).statusCode).toBe(
      200,
    );
  });

  it('enqueues with 202 {queue, jobId}, and the job is readable with its result', async () => {
    const response = await enqueueEcho({ key: 'http-1', progressSteps: 1 });
    expect(response.statusCode).toBe(202);
    const job = response.json<{ queue: 'validate'; jobId: string }>();
    expect(job).toEqual({ queue: 'validate', jobId: expect.any(String) });
    await engine.finished(job);
    const status = await app.inject({
      url: `/v1/jobs/validate/${job.jobId}`,
      headers: bearer(TOKENS.reader),
    });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      queue: 'validate',
      jobId: job.jobId,
      name: 'test-echo',
      state: 'completed',
      progress: { step: 1, of: 1 },
      result: { key: 'http-1', run: 1 },
    });
    const missing = await app.inject({
      url: '/v1/jobs/validate/999999',
      headers: bearer(TOKENS.reader),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const noQueue = await app.inject({ url: '/v1/jobs/nope/1', headers: bearer(TOKENS.reader) });
    expect(noQueue.statusCode).toBe(404);
  });

  it('refuses a bad payload with a 400 naming the field', async () => {
    const response = await enqueueEcho({ key: 'bad', failTimes: 'twice' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'invalid_payload',
        message: expect.stringMatching(/^test-echo: failTimes: Invalid input: expected number/),
      },
    });
  });

  it('returns the same job for the same Idempotency-Key, also after it finished', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = (await enqueueEcho({ key: 'idem' }, headers)).json<{ jobId: string }>();
    await engine.finished({ queue: 'validate', jobId: first.jobId });
    const again = await enqueueEcho({ key: 'idem' }, headers);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ queue: 'validate', jobId: first.jobId });
    const conflict = await enqueueEcho({ key: 'other' }, headers);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('conflict');
    // Another caller's key of the same name is another key.
    const other = await app.inject({
      method: 'POST',
      url: '/v1/test/prod/echo',
      headers: { ...bearer(TOKENS.ops), ...headers },
      payload: { key: 'idem' },
    });
    expect(other.json().jobId).not.toBe(first.jobId);
  });

  it('refuses through the route check (409), except for a repeated Idempotency-Key', async () => {
    const post = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/test/prod/guarded',
        headers: { ...bearer(TOKENS.enqueuer), 'idempotency-key': key },
      });
    const first = await post('guard-1');
    expect(first.statusCode).toBe(202);
    refuse = true;
    try {
      const retried = await post('guard-1');
      expect(retried.statusCode).toBe(202);
      expect(retried.json()).toEqual(first.json());
      const fresh = await post('guard-2');
      expect(fresh.statusCode).toBe(409);
      expect(fresh.json().error.code).toBe('rotation_in_progress');
    } finally {
      refuse = false;
    }
    // The refused key was not remembered: it can be used once the refusal is gone.
    expect((await post('guard-2')).statusCode).toBe(202);
  });

  it('serves the job schemas, the events oldest first, and refuses a malformed cursor', async () => {
    const schemas = await app.inject({ url: '/v1/jobs/schemas', headers: bearer(TOKENS.reader) });
    expect(schemas.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'test-echo',
          queue: 'validate',
          payload: expect.objectContaining({ $schema: 'http://json-schema.org/draft-07/schema#' }),
        }),
      ]),
    );
    const job = (await enqueueEcho({ key: 'evt', emit: true })).json<{ jobId: string }>();
    await engine.finished({ queue: 'validate', jobId: job.jobId });
    const all = (
      await app.inject({ url: '/v1/events?limit=1000', headers: bearer(TOKENS.reader) })
    ).json<Array<{ id: string; jobId: string; type: string }>>();
    expect(all.length).toBeGreaterThan(0);
    const ids = all.map((e) => e.id);
    expect([...ids].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]))).toEqual(ids);
    const first = all[0]!;
    const after = (
      await app.inject({ url: `/v1/events?after=${first.id}`, headers: bearer(TOKENS.reader) })
    ).json<Array<{ id: string }>>();
    expect(after.map((e) => e.id)).toEqual(ids.slice(1, 101));
    const bad = await app.inject({
      url: '/v1/events?after=yesterday',
      headers: bearer(TOKENS.reader),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/after/);
  });

  it('lists, replays (admin only) and deletes dead-letter entries', async () => {
    const job = (await enqueueEcho({ key: 'dead', permanent: true })).json<{ jobId: string }>();
    const id = `validate-${job.jobId}`;
    await waitFor('the entry', async () => {
      const list = await app.inject({ url: '/v1/dead-letter', headers: bearer(TOKENS.reader) });
      return list.json<Array<{ id: string }>>().find((e) => e.id === id);
    });
    const list = await app.inject({ url: '/v1/dead-letter', headers: bearer(TOKENS.reader) });
    expect(list.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id,
          queue: 'validate',
          name: 'test-echo',
          reason: 'needs_decision',
          at: expect.any(String),
          data: expect.objectContaining({ key: 'dead' }),
        }),
      ]),
    );
    expect(list.body).not.toContain('must-never-be-stored');
    const denied = await app.inject({
      method: 'POST',
      url: `/v1/dead-letter/${id}/replay`,
      headers: bearer(TOKENS.reader),
    });
    expect(denied.statusCode).toBe(403);
    const replay = await app.inject({
      method: 'POST',
      url: `/v1/dead-letter/${id}/replay`,
      headers: bearer(TOKENS.ops),
    });
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toEqual({ id, queue: 'validate', jobId: expect.any(String) });
    const removed = await app.inject({
      method: 'DELETE',
      url: `/v1/dead-letter/${id}`,
      headers: bearer(TOKENS.ops),
    });
    expect(removed.statusCode).toBe(204);
    const gone = await app.inject({
      method: 'DELETE',
      url: `/v1/dead-letter/${id}`,
      headers: bearer(TOKENS.ops),
    });
    expect(gone.statusCode).toBe(404);
  });

  it('answers health, readiness, metrics and docs without a token', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/iam_pam_queue_jobs\{queue="validate",state="completed"\} [1-9]/);
    expect(metrics.body).toMatch(/iam_pam_queue_jobs\{queue="dead-letter",state="waiting"\}/);
    const docs = await app.inject({ url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    const openapi = (await app.inject({ url: '/docs/json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/jobs/schemas',
        '/v1/jobs/{queue}/{jobId}',
        '/v1/events',
        '/v1/dead-letter',
        '/v1/dead-letter/{id}/replay',
        '/v1/test/{provider}/echo',
      ]),
    );
  });
});

describe('the Bull dashboard', () => {
  it('asks for credentials, then lists all five queues for a reader (basic or bearer)', async () => {
    const anonymous = await app.inject({ url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic /);
    expect(
      (await app.inject({ url: '/admin/queues', headers: basic('reader', 'wrong-token-000000') }))
        .statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ url: '/admin/queues', headers: basic('ops', TOKENS.reader) })).statusCode,
    ).toBe(401);

    const page = await app.inject({
      url: '/admin/queues',
      headers: basic('reader', TOKENS.reader),
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const queues = await app.inject({
      url: '/admin/queues/api/queues',
      headers: bearer(TOKENS.reader),
    });
    expect(queues.statusCode).toBe(200);
    const names = queues.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name);
    expect(names.sort()).toEqual(['dead-letter', 'discovery', 'heartbeat', 'rotation', 'validate']);
    expect(queues.body).not.toContain('must-never-be-stored');
  });

  it('refuses changes for a token without admin, and lets an admin make them', async () => {
    const pause = (headers: Record<string, string>) =>
      app.inject({ method: 'PUT', url: '/admin/queues/api/queues/discovery/pause', headers });
    const denied = await pause(basic('reader', TOKENS.reader));
    expect(denied.statusCode).toBe(403);
    expect(await engine.queues.get('discovery').isPaused()).toBe(false);
    const allowed = await pause(bearer(TOKENS.ops));
    expect(allowed.statusCode).toBeLessThan(300);
    expect(await engine.queues.get('discovery').isPaused()).toBe(true);
    await engine.queues.get('discovery').resume();
  });

  it('shows a reader the read-only board (no write actions) and an admin the full one', async () => {
    const readOnlyOf = async (headers: Record<string, string>) => {
      const res = await app.inject({ url: '/admin/queues/api/queues', headers });
      expect(res.statusCode).toBe(200);
      return res
        .json<{ queues: Array<{ readOnlyMode: boolean }> }>()
        .queues.map((q) => q.readOnlyMode);
    };
    expect(new Set(await readOnlyOf(basic('reader', TOKENS.reader)))).toEqual(new Set([true]));
    expect(new Set(await readOnlyOf(bearer(TOKENS.ops)))).toEqual(new Set([false]));
    const page = await app.inject({
      url: '/admin/queues',
      headers: basic('reader', TOKENS.reader),
    });
    expect(page.body).toContain('iam-pam (read-only)');
    expect(page.body).toContain('<base href="/admin/queues/"');
    const script = /src="(static\/js\/main[^"]+)"/.exec(page.body)?.[1];
    const asset = await app.inject({
      url: `/admin/queues/${script ?? 'missing'}`,
      headers: basic('reader', TOKENS.reader),
    });
    expect(asset.statusCode).toBe(200);
    // The read-only board is reachable only through the rewrite, never by its own path.
    for (const url of [
      '/_dashboard-read-only/admin/queues/api/queues',
      '/%5Fdashboard-read-only/admin/queues/api/queues',
    ]) {
      const direct = await app.inject({ url, headers: bearer(TOKENS.ops) });
      expect(direct.statusCode, url).toBe(404);
      expect(direct.body, url).not.toContain('readOnlyMode');
    }
  });

  it('shows job schedulers with their templates scrubbed, and refuses editing or removing one', async () => {
    // An upstream system's scheduler with a secret in its template (iam-pam's carry references).
    const planted = `planted-${Date.now()}`;
    const discovery = engine.queues.get('discovery');
    await discovery.upsertJobScheduler(
      'nightly',
      { every: 3_600_000, startDate: Date.now() + 3_600_000 },
      { name: 'test-echo', data: { provider: 'prod', key: 'nightly', password: planted } },
    );
    try {
      for (const headers of [bearer(TOKENS.reader), bearer(TOKENS.ops)]) {
        const list = await app.inject({ url: '/admin/queues/api/job-schedulers', headers });
        expect(list.statusCode).toBe(200);
        expect(list.body).not.toContain(planted);
        expect(list.json().schedulers).toEqual([
          expect.objectContaining({
            id: 'nightly',
            queueName: 'discovery',
            every: 3_600_000,
            template: expect.objectContaining({
              data: { provider: 'prod', key: 'nightly', password: '[Redacted]' },
            }),
          }),
        ]);
        const page = await app.inject({ url: '/admin/queues/job-schedulers', headers });
        expect(page.statusCode).toBe(200);
      }
      const policy =
        /a provider's schedules follow its lifecycle policy: change them with iam-pam provider policy/;
      for (const [method, url, why] of [
        ['PATCH', '/admin/queues/api/queues/discovery/job-schedulers/nightly', policy],
        ['PUT', '/admin/queues/api/queues/discovery/job-schedulers/nightly/remove', policy],
        [
          'GET',
          '/admin/queues/metrics-history',
          /^iam-pam records no metrics history; see \/metrics$/,
        ],
      ] as const) {
        for (const headers of [bearer(TOKENS.reader), bearer(TOKENS.ops)]) {
          const answer = await app.inject({ method, url, headers, payload: { every: 1000 } });
          expect(answer.statusCode, url).toBe(404);
          expect(answer.json().error.message, url).toMatch(why);
        }
      }
      expect((await discovery.getJobScheduler('nightly'))?.every).toBe(3_600_000);
    } finally {
      await discovery.removeJobScheduler('nightly');
    }
  });

  it('shows no flow tree, whose nodes would bypass the scrubbing, even for a job in a flow', async () => {
    const flows = new FlowProducer({
      connection: engine.producer,
      prefix: engine.keys.bullPrefix,
    });
    try {
      const flow = await flows.add({
        name: 'test-short-deadline',
        queueName: 'discovery',
        data: { provider: 'prod', key: 'parent' },
        children: [{ name: 'test-short-deadline', queueName: 'discovery', data: { key: 'child' } }],
      });
      await flow.children?.[0]?.job.updateProgress({ password: 'must-never-be-stored' });
      for (const job of [flow.job, flow.children?.[0]?.job]) {
        const answer = await app.inject({
          url: `/admin/queues/api/queues/discovery/${job?.id ?? 'missing'}/flow`,
          headers: bearer(TOKENS.reader),
        });
        expect(answer.statusCode).toBe(200);
        expect(answer.json()).toEqual({ nodeId: job?.id, flowRoot: null, isFlowNode: false });
      }
    } finally {
      await engine.queues.get('discovery').obliterate({ force: true });
      await flows.close();
    }
  });

  it('never serves a reader the admin board, however the path is spelled', async () => {
    for (const url of ['/%61dmin/queues/api/queues', '/admin/%71ueues/api/queues']) {
      const answer = await app.inject({ url, headers: bearer(TOKENS.reader) });
      expect(answer.statusCode, url).toBe(403);
      expect(answer.body, url).not.toContain('readOnlyMode');
    }
    const admin = await app.inject({
      url: '/%61dmin/queues/api/queues',
      headers: bearer(TOKENS.ops),
    });
    expect(admin.statusCode).toBe(200);
    // A trailing slash is no route; the answer names the path asked, not an internal one.
    const slash = await app.inject({
      url: '/admin/queues/api/queues/',
      headers: bearer(TOKENS.reader),
    });
    expect(slash.statusCode).toBe(404);
    expect(slash.body).not.toContain('_dashboard-read-only');
  });
});

describe('a Redis outage', () => {
  it('is a 503 redis_unavailable saying where Redis is, never its password, dashboard included', async () => {
    const password = 'outage-password-0123456789';
    const sink = createLogSink();
    const server = await startRedisServer();
    let outage: ApiRuntime | undefined;
    try {
      const admin = new Redis(server.url);
      await admin.config('SET', 'requirepass', password);
      admin.disconnect();
      const config = loadConfig({
        ...engine.redis.env,
        REDIS_URL: server.url.replace('redis://', `redis://:${password}@`),
        IAM_PAM_API_TOKENS: `reader:${TOKENS.reader}:read`,
        LOG_LEVEL: 'silent',
      });
      outage = await startApiRuntime({ config, log: sink.log, plugins: [], listen: false });
      const up = await outage.app.inject({
        url: '/v1/jobs/validate/1',
        headers: bearer(TOKENS.reader),
      });
      expect(up.statusCode).toBe(404);
      server.stop();
      const where = server.url.replace('redis://', '').replaceAll('.', '\\.');
      for (const url of [
        '/v1/jobs/validate/1',
        '/v1/events',
        '/v1/dead-letter',
        '/admin/queues/api/queues?activeQueue=validate',
        '/admin/queues/api/queues/validate/1',
      ]) {
        const down = await outage.app.inject({ url, headers: bearer(TOKENS.reader) });
        expect(down.statusCode, url).toBe(503);
        expect(down.json(), url).toEqual({
          error: {
            code: 'redis_unavailable',
            message: expect.stringMatching(
              new RegExp(`^Redis at ${where} is unreachable .*; check it is running`),
            ),
          },
        });
        expect(down.body).not.toContain(password);
        // Logged at error level, under the request's id.
        expect(sink.lines().at(-1), url).toMatchObject({
          level: 50,
          reqId: expect.any(String),
          status: 503,
          err: expect.objectContaining({ code: 'redis_unavailable' }),
        });
      }
      // A 5xx a route sends itself is logged at error level too.
      expect((await outage.app.inject({ url: '/readyz' })).statusCode).toBe(503);
      expect(sink.lines().at(-1)).toMatchObject({
        level: 50,
        reqId: expect.any(String),
        status: 503,
        msg: 'request answered with a server error',
      });
      expect(sink.text()).not.toContain(password);
    } finally {
      server.stop();
      await outage?.close();
    }
  });
});

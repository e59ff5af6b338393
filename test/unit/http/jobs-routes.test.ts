import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

import type { HttpDeps } from '../../../src/http/http-deps.ts';
import { answerFrameworkError, installErrorHandling } from '../../../src/http/http-errors.ts';
import { jobsRoutes } from '../../../src/http/routes/jobs-routes.ts';

const redis = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'p',
  cluster: undefined,
  sentinel: undefined,
};

/** The route alone, over queues that fail the test if Redis is asked anything. */
async function createApp() {
  const untouchable = () => {
    throw new Error('Redis was asked');
  };
  const deps = {
    queues: { find: untouchable, get: untouchable, all: untouchable, close: untouchable },
    contracts: [],
  } as unknown as HttpDeps;
  const app = Fastify({ frameworkErrors: answerFrameworkError });
  installErrorHandling(app, redis);
  await jobsRoutes(app, deps);
  return app;
}

describe('GET /v1/jobs/{queue}/{jobId}', () => {
  it('answers 404 naming the queues for an unknown queue, without asking Redis', async () => {
    const app = await createApp();
    const response = await app.inject({ url: '/v1/jobs/nope/1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: {
        code: 'not_found',
        message:
          'no queue "nope": the queues are validate, discovery, heartbeat, rotation, dead-letter',
      },
    });
  });

  it('answers 404 for a job id that cannot be one, without asking Redis', async () => {
    const app = await createApp();
    for (const url of [
      '/v1/jobs/validate/meta',
      '/v1/jobs/validate/wait',
      '/v1/jobs/validate/%20',
      '/v1/jobs/validate/a%0Ab',
      '/v1/jobs/dead-letter/1',
      '/v1/jobs/dead-letter/validate-%20',
      '/v1/jobs/dead-letter/nope-1',
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code, url).toBe('not_found');
    }
    expect((await app.inject({ url: '/v1/jobs/validate/meta' })).json().error.message).toBe(
      'no job "meta" on queue validate: job ids are numbers (e.g. 42), or ids of up to 100 printable characters an upstream system chose',
    );
    expect((await app.inject({ url: '/v1/jobs/dead-letter/1' })).json().error.message).toBe(
      'no dead-letter entry is named "1": entry ids look like validate-42 (or validate-42-<failure time in ms>), the failed job\'s queue and id',
    );
  });

  it('answers a URL the router cannot take in the error format, without echoing it', async () => {
    const app = await createApp();
    const long = await app.inject({ url: `/v1/jobs/validate/${'9'.repeat(500)}` });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({
      error: { code: 'invalid_input', message: 'a path parameter is longer than 100 characters' },
    });
    const badEncoding = await app.inject({ url: '/v1/jobs/validate/%E0%A4%A' });
    expect(badEncoding.statusCode).toBe(400);
    expect(badEncoding.json().error.code).toBe('invalid_input');
  });
});

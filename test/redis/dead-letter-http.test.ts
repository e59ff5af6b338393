/** The dead-letter routes refuse ids that cannot name an entry with a 404, touching nothing. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { useEngine } from '../support/engine.ts';
import { failJob } from '../support/fail-job.ts';
import { testContracts } from '../support/test-jobs.ts';

const TOKEN = 'admin-token-0123456789ab';
const engine = useEngine({
  runtime: { queues: ['validate'] },
  env: { IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin` },
});

let api: ApiRuntime;
let app: FastifyInstance;
beforeAll(async () => {
  api = await startApiRuntime({
    config: engine.config,
    log: engine.log,
    contracts: testContracts,
    listen: false,
  });
  app = api.app;
});
afterAll(async () => {
  await api.close();
});

describe('dead-letter ids over HTTP', () => {
  it('answers 404 for an id that cannot name an entry, and leaves the queue alone', async () => {
    const failed = await failJob(engine, 'heartbeat', 'heartbeat', { provider: 'prod' }, 'x: y');
    expect(await engine.runtime().deadLetter.record('heartbeat', failed)).toBe(true);
    const meta = engine.queues.get('dead-letter').toKey('meta');
    expect(await engine.producer.exists(meta)).toBe(1);

    // (A path parameter over 100 characters is refused by the router itself, before any route.)
    for (const id of ['meta', '..%2Fx', '%20', '', 'dead-letter-1', 'validate-%20', '42']) {
      for (const [method, url] of [
        ['POST', `/v1/dead-letter/${id}/replay`],
        ['DELETE', `/v1/dead-letter/${id}`],
      ] as const) {
        const answer = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect({ id, method, status: answer.statusCode }).toEqual({ id, method, status: 404 });
        expect(answer.json()).toEqual({
          error: { code: 'not_found', message: expect.stringMatching(/entry ids look like/) },
        });
      }
    }
    expect(await engine.producer.exists(meta)).toBe(1);
    const list = await app.inject({
      url: '/v1/dead-letter',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(list.json<Array<{ id: string }>>().map((e) => e.id)).toEqual([`heartbeat-${failed.id}`]);
  });
});

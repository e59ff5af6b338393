/** A job is declared once: types flow from the contract to handlers, producers and schemas. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

import { defineJob, type JobHandler, type PayloadOf } from '../../../src/jobs/define-job.ts';
import { jobSchemas } from '../../../src/producers/job-schemas.ts';
import { bindHandlers, indexBindings } from '../../../src/workers/bind-handlers.ts';

const ping = defineJob({
  name: 'ping',
  queue: 'validate',
  description: 'a test contract',
  payload: z.object({ provider: z.string(), count: z.number().int().default(1) }),
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
  concurrency: 1,
  timeoutMs: 1_000,
  deduplicationId: ({ provider }) => `${provider}:ping`,
});
const pong = defineJob({ ...ping, name: 'pong' });

describe('defineJob', () => {
  it('types the handler payload from the schema (defaults applied)', () => {
    expectTypeOf<PayloadOf<typeof ping>>().toEqualTypeOf<{ provider: string; count: number }>();
    expectTypeOf(ping.name).toEqualTypeOf<'ping'>();
  });

  it('refuses, at compile time, a contract without a handler or a handler of the wrong payload', () => {
    const handler = async ({ count }: { count: number }) => ({ count });
    expect(bindHandlers([ping, pong], { ping: handler, pong: handler })).toHaveLength(2);
    // @ts-expect-error -- "pong" has no handler
    expect(() => bindHandlers([ping, pong], { ping: handler })).toThrow(
      /no handler for job "pong"/,
    );
    const wrong = async (payload: { other: string }) => ({ other: payload.other });
    // @ts-expect-error -- the handler expects another payload
    bindHandlers([ping], { ping: wrong });
  });

  it('refuses two jobs of one name', () => {
    const handler: JobHandler<typeof ping> = async () => undefined;
    expect(() => indexBindings(bindHandlers([ping, { ...ping }], { ping: handler }))).toThrow(
      /declared twice/,
    );
  });

  it('publishes each payload as a draft-7 JSON Schema', () => {
    expect(jobSchemas([ping])).toEqual([
      {
        name: 'ping',
        queue: 'validate',
        description: 'a test contract',
        retry: ping.retry,
        timeoutMs: 1_000,
        payload: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: {
            provider: { type: 'string' },
            count: {
              type: 'integer',
              default: 1,
              minimum: expect.any(Number),
              maximum: expect.any(Number),
            },
          },
          required: ['provider'],
        },
      },
    ]);
  });
});

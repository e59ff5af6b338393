/**
 * The machinery of every enqueueing route: the payload comes from the request, is validated
 * by the contract (400 naming the field), and the answer is `202 {queue, jobId}`. An
 * `Idempotency-Key` header returns the same job for the same key from the same token within
 * 24 h. A later issue adds e.g. `POST /v1/providers/{id}/validate` in a few lines:
 *
 *   registerEnqueueRoute(app, deps, {
 *     url: '/v1/providers/:id/validate',
 *     contract: validateProvider,
 *     summary: 'Prerequisite check job',
 *     payload: (request) => ({ provider: (request.params as { id: string }).id }),
 *   });
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';

import type { ApiScope } from '../config/api-tokens.ts';
import { invalidInput } from '../errors.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { payloadJsonSchema } from '../producers/job-schemas.ts';
import type { HttpDeps } from './http-deps.ts';
import './fastify-types.ts';

export interface EnqueueRouteSpec<C extends JobContract> {
  url: string;
  contract: C;
  summary?: string;
  /** Default `enqueue`. */
  scope?: ApiScope;
  /** Builds the payload from the request's params, query and body. */
  payload: (request: FastifyRequest) => z.input<C['payload']>;
  /**
   * Refuses before enqueueing (404 unknown provider, 409 rotation_in_progress, …); skipped for
   * a repeated Idempotency-Key, which gets its job back.
   */
  check?: (request: FastifyRequest, payload: z.input<C['payload']>) => Promise<void>;
  /** The body's JSON Schema for the OpenAPI document (default: none). */
  bodySchema?: Record<string, unknown>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function registerEnqueueRoute<C extends JobContract>(
  app: FastifyInstance,
  deps: Pick<HttpDeps, 'enqueue'>,
  spec: EnqueueRouteSpec<C>,
): void {
  app.post(
    spec.url,
    {
      config: { scope: spec.scope ?? 'enqueue' },
      schema: {
        tags: ['enqueue'],
        summary: spec.summary ?? `Enqueue a ${spec.contract.name} job`,
        description: `${spec.contract.description}\n\nJob payload: ${JSON.stringify(payloadJsonSchema(spec.contract))}`,
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', maxLength: 255 } },
        },
        ...(spec.bodySchema === undefined ? {} : { body: spec.bodySchema }),
      },
    },
    async (request, reply) => {
      const payload = spec.payload(request);
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
        throw invalidInput('Idempotency-Key: must be 1-255 printable characters');
      }
      const check = spec.check;
      const job = await deps.enqueue(spec.contract, payload, {
        ...(check === undefined ? {} : { check: () => check(request, payload) }),
        ...(key === undefined
          ? {}
          : { idempotencyKey: { scope: request.principal?.name ?? '', key } }),
      });
      return reply.status(202).send({ queue: job.queue, jobId: job.jobId });
    },
  );
}

/** `POST /v1/providers/{id}/discover` (a discovery job) and `GET /v1/providers/{id}/discovery`. */
import type { FastifyInstance } from 'fastify';

import type { Domain } from '../../domain.ts';
import { invalidInput, PermanentError } from '../../errors.ts';
import { discover } from '../../jobs/discover/contract.ts';
import { registerEnqueueRoute } from '../enqueue-route.ts';
import type { HttpDeps } from '../http-deps.ts';

type IdParams = { Params: { id: string } };

/** The optional body `{pathPrefix}`; the contract checks the prefix itself. */
function discoverBody(body: unknown): { pathPrefix?: string } {
  if (body === undefined || body === null) {
    return {};
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidInput('body: must be a JSON object, e.g. {"pathPrefix": "/engineering/"}');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'pathPrefix');
  if (unknown.length > 0) {
    throw invalidInput(`body.${unknown[0]}: unknown field; the body may hold pathPrefix only`);
  }
  const { pathPrefix } = body as { pathPrefix?: string };
  return pathPrefix === undefined ? {} : { pathPrefix };
}

export function registerDiscoveryRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  domain: Domain,
): void {
  registerEnqueueRoute(app, deps, {
    url: '/v1/providers/:id/discover',
    contract: discover,
    summary:
      'Discovery job: every IAM user and access key (optional body {pathPrefix}); its result is a snapshot and a diff with the last complete one',
    payload: (request) => ({
      provider: (request.params as { id: string }).id,
      ...discoverBody(request.body),
    }),
    check: async (_request, payload) => {
      await domain.providers.require(payload.provider);
    },
  });

  app.get<IdParams>(
    '/v1/providers/:id/discovery',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['providers'],
        summary:
          'The last discovery (complete or partial: users, keys, managed keys) and its diff with the complete one before',
      },
    },
    async (request) => {
      const provider = request.params.id;
      await domain.providers.require(provider);
      const last = await domain.discoveries.last(provider);
      if (last === undefined) {
        throw new PermanentError(
          'not_found',
          `provider ${provider} has not been discovered yet; start a discovery with POST /v1/providers/${provider}/discover (or iam-pam discover ${provider})`,
        );
      }
      return last;
    },
  );
}

/** `PUT|GET|DELETE /v1/providers/{id}`, `GET /v1/providers`, `POST /v1/providers/{id}/validate`. */
import type { FastifyInstance } from 'fastify';

import { type Domain, withSchedules } from '../../domain.ts';
import { validateProvider } from '../../jobs/validate-provider/contract.ts';
import { registerEnqueueRoute } from '../enqueue-route.ts';
import type { HttpDeps } from '../http-deps.ts';
import { actorOf } from './actor.ts';

type IdParams = { Params: { id: string } };
const tags = ['providers'];

export function registerProviderRoutes(app: FastifyInstance, deps: HttpDeps, domain: Domain): void {
  app.put<IdParams>(
    '/v1/providers/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary:
          'Create or replace a provider (credential, endpoints, role, maxRps, lifecycle policy); the secret is never echoed back',
      },
    },
    async (request, reply) => {
      const { record, created } = await domain.providers.put(
        request.params.id,
        request.body,
        actorOf(request),
      );
      return reply.status(created ? 201 : 200).send(record);
    },
  );

  app.get(
    '/v1/providers',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'Providers with status, last validation, missing permissions and policy',
      },
    },
    async () => domain.providers.list(),
  );

  app.get<IdParams>(
    '/v1/providers/:id',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary: 'One provider (no secret), with each schedule and its next run',
      },
    },
    async (request) => withSchedules(domain, await domain.providers.require(request.params.id)),
  );

  app.delete<IdParams>(
    '/v1/providers/:id',
    {
      config: { scope: 'admin' },
      schema: { tags, summary: 'Remove a provider (409 while it manages accounts)' },
    },
    async (request, reply) => {
      await domain.providers.remove(request.params.id, actorOf(request));
      return reply.status(204).send();
    },
  );

  registerEnqueueRoute(app, deps, {
    url: '/v1/providers/:id/validate',
    contract: validateProvider,
    summary: 'Prerequisite check job: GetCallerIdentity, GetUser, SimulatePrincipalPolicy',
    payload: (request) => ({ provider: (request.params as { id: string }).id }),
    check: async (_request, payload) => {
      await domain.providers.require(payload.provider);
    },
  });
}

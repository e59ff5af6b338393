/** `POST /v1/providers/{id}/accounts/{userName}/{kind}/heartbeat`: a heartbeat job. */
import type { FastifyInstance } from 'fastify';

import { checkAccountParts } from '../../accounts/account-ref.ts';
import type { Domain } from '../../domain.ts';
import { heartbeat } from '../../jobs/heartbeat/contract.ts';
import { registerEnqueueRoute } from '../enqueue-route.ts';
import type { HttpDeps } from '../http-deps.ts';

export function registerHeartbeatRoutes(
  app: FastifyInstance,
  deps: HttpDeps,
  domain: Domain,
): void {
  registerEnqueueRoute(app, deps, {
    url: '/v1/providers/:id/accounts/:userName/:kind/heartbeat',
    contract: heartbeat,
    summary:
      'Heartbeat job: checks the account against AWS (reads only) and records its verdict; 404 for an account not managed',
    payload: (request) => {
      const params = request.params as { id: string; userName: string; kind: string };
      return checkAccountParts(params.id, params.userName, params.kind);
    },
    check: async (_request, payload) => {
      await domain.accounts.require(payload);
    },
  });
}

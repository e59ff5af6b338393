/**
 * `POST /v1/providers/{id}/accounts/{userName}/{kind}/rotate`: a rotation job (409
 * `rotation_in_progress` while a half-finished one has no job working on it; a live one is
 * joined). `POST …/rotate/abandon`: ends a half-finished rotation synchronously (DESIGN.md
 * "Abandon"), 409 while a rotation job is waiting, active or delayed.
 */
import type { FastifyInstance } from 'fastify';

import { checkAccountParts } from '../../accounts/account-ref.ts';
import { productionRotationKinds } from '../../app/rotation-kinds.ts';
import type { Domain } from '../../domain.ts';
import { rotate } from '../../jobs/rotate/contract.ts';
import { createRotationRequests } from '../../producers/rotation-requests.ts';
import { createReplicaWait } from '../../queue/replica-wait.ts';
import { createUserLeases } from '../../queue/user-lease.ts';
import { abandonOpenRotation } from '../../rotation/abandon.ts';
import { registerEnqueueRoute } from '../enqueue-route.ts';
import type { HttpDeps } from '../http-deps.ts';
import { actorOf } from './actor.ts';

type AccountParams = { Params: { id: string; userName: string; kind: string } };
const ROTATE_URL = '/v1/providers/:id/accounts/:userName/:kind/rotate';

export function registerRotationRoutes(app: FastifyInstance, deps: HttpDeps, domain: Domain): void {
  const rotations = createRotationRequests({
    queues: deps.queues,
    enqueue: deps.enqueue,
    journals: domain.journals,
    events: deps.events,
  });
  registerEnqueueRoute(app, deps, {
    url: ROTATE_URL,
    contract: rotate,
    summary:
      'Rotation job: replaces the credential in journaled steps; 409 rotation_in_progress while a half-finished rotation waits for a replay or an abandon; 404 for an account not managed',
    payload: (request) => {
      const params = request.params as AccountParams['Params'];
      return { ...checkAccountParts(params.id, params.userName, params.kind), reason: 'manual' };
    },
    check: async (_request, payload) => {
      await domain.accounts.require(payload);
      await rotations.check(payload);
    },
  });
  const leases = createUserLeases({
    redis: deps.redis,
    keys: domain.keys,
    ttlMs: deps.config.worker.jobLockMs,
    waitForReplicas: createReplicaWait({
      redis: deps.redis,
      minReplicas: deps.config.redis.minReplicas ?? 0,
    }),
  });
  app.post<AccountParams>(
    `${ROTATE_URL}/abandon`,
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['accounts'],
        summary:
          'Abandon a half-finished rotation: {account, abandoned: {rotationId, step, deletedAccessKeyId?, unconfirmedVersionId?}} (a password that may have reached AWS is kept as unconfirmed); 409 while a rotation job is waiting, active or delayed, or (needs_decision) while a password rotation holds two passwords AWS may hold',
      },
    },
    async (request) => {
      const { id, userName, kind } = request.params;
      return abandonOpenRotation(
        {
          domain,
          kinds: productionRotationKinds({ domain, enqueue: deps.enqueue, events: deps.events }),
          rotations,
          leases,
          events: deps.events,
          log: deps.log,
        },
        checkAccountParts(id, userName, kind),
        actorOf(request),
      );
    },
  );
}

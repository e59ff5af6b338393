/**
 * The routes of providers, managed accounts, secrets and the audit trail, on one set of domain
 * services built from the API's Redis connection. Each route states its scope; the audit actor
 * is `token:<name>`.
 */
import type { Redis } from 'ioredis';

import { reconcileSchedules } from '../../app/reconcile-schedules.ts';
import { checkMasterKeyAtStart, createDomain } from '../../domain.ts';
import { createRotationRequests } from '../../producers/rotation-requests.ts';
import type { HttpRoutePlugin } from '../http-deps.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerDiscoveryRoutes } from './discovery-routes.ts';
import { registerHeartbeatRoutes } from './heartbeat-routes.ts';
import { registerProviderRoutes } from './provider-routes.ts';
import { registerRotationRoutes } from './rotation-routes.ts';

export const domainRoutes: HttpRoutePlugin = async (app, deps) => {
  // Cluster exposes the same commands the domain uses.
  const domain = createDomain({
    config: deps.config,
    redis: deps.redis as Redis,
    queues: deps.queues,
    log: deps.log,
  });
  app.addHook('onClose', () => domain.close());
  await checkMasterKeyAtStart(domain, deps.config, deps.log);
  await reconcileSchedules(domain, deps.log);
  registerProviderRoutes(app, deps, domain);
  const rotations = createRotationRequests({
    queues: deps.queues,
    enqueue: deps.enqueue,
    journals: domain.journals,
    events: deps.events,
  });
  registerAccountRoutes(app, domain, (account) => rotations.request(account, 'import'));
  registerDiscoveryRoutes(app, deps, domain);
  registerHeartbeatRoutes(app, deps, domain);
  registerRotationRoutes(app, deps, domain);
  registerAuditRoutes(app, domain);
};

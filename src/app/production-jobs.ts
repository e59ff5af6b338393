/**
 * The production job types with their handlers, built on the domain services (vault,
 * providers, accounts, IAM per provider). A new job type: add its contract to `jobContracts`
 * (src/jobs/registry.ts) and its handler here; a contract without a handler does not compile.
 */
import type { Redis } from 'ioredis';

import { budgetOf, checkMasterKeyAtStart, createDomain } from '../domain.ts';
import { jobContracts } from '../jobs/registry.ts';
import { createValidateProviderHandler } from '../jobs/validate-provider/handler.ts';
import { bindHandlers } from '../workers/bind-handlers.ts';
import type { CreateJobs } from './engine-deps.ts';

export const createProductionJobs: CreateJobs = async (deps) => {
  // Cluster exposes the same commands the domain uses.
  const domain = createDomain({
    config: deps.config,
    redis: deps.redis as Redis,
    hooksFor: deps.iamHooksFor,
  });
  await checkMasterKeyAtStart(domain, deps.config, deps.log);
  return {
    bindings: bindHandlers(jobContracts, {
      'validate-provider': createValidateProviderHandler({
        providers: domain.providers,
        gatewayFor: domain.clients.gatewayFor,
      }),
    }),
    budgetOf: (providerId) => budgetOf(domain.providers, providerId, deps.config.iam.defaultMaxRps),
  };
};

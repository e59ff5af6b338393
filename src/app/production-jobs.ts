/**
 * The production job types with their handlers, built on the domain services (vault,
 * providers, accounts, IAM per provider). A new job type: add its contract to `jobContracts`
 * (src/jobs/registry.ts) and its handler here; a contract without a handler does not compile.
 */
import type { Redis } from 'ioredis';

import { displayRef } from '../accounts/account-ref.ts';
import { importAccount } from '../accounts/import-account.ts';
import { userField } from '../discovery/discovered-user.ts';
import { openDiscoveryRun } from '../discovery/discovery-runs.ts';
import { budgetOf, checkMasterKeyAtStart, createDomain, type Domain } from '../domain.ts';
import { createDiscoverHandler } from '../jobs/discover/handler.ts';
import { createHeartbeatHandler } from '../jobs/heartbeat/handler.ts';
import { createHeartbeatSweepHandler } from '../jobs/heartbeat-sweep/handler.ts';
import { jobContracts } from '../jobs/registry.ts';
import type { OpenRotation, RequestRotation } from '../jobs/rotation-ports.ts';
import { createRotationSweepHandler } from '../jobs/rotation-sweep/handler.ts';
import { createScheduleTickHandler } from '../jobs/schedule-tick/handler.ts';
import { createValidateProviderHandler } from '../jobs/validate-provider/handler.ts';
import type { Logger } from '../logger.ts';
import type { ScheduleUnits } from '../providers/schedule-plan.ts';
import { registerDiscoveryGauges } from '../metrics/engine-metrics.ts';
import { bindHandlers } from '../workers/bind-handlers.ts';
import type { CreateJobs, EngineDeps } from './engine-deps.ts';
import { reconcileSchedules } from './reconcile-schedules.ts';

/** Each managed access-key account's current key, by lower-cased user name. */
async function managedKeysOf(domain: Domain, provider: string) {
  const byUser = new Map<string, Set<string>>();
  for (const account of await domain.accounts.list(provider)) {
    if (account.kind === 'access-key' && account.currentAccessKeyId !== undefined) {
      const field = userField(account.userName);
      byUser.set(field, (byUser.get(field) ?? new Set()).add(account.currentAccessKeyId));
    }
  }
  return byUser;
}

function rotationPorts(log: Logger): {
  openRotation: OpenRotation;
  requestRotation: RequestRotation;
} {
  return {
    // wired to the journal/rotate job by issue 11
    openRotation: async () => undefined,
    // wired to the journal/rotate job by issue 11
    requestRotation: async (account, reason) => {
      log.warn(
        { account: displayRef(account), reason },
        'rotation is not available yet: no rotation was requested',
      );
      return undefined;
    },
  };
}

export interface ProductionJobsOptions {
  /** Tests shrink a schedule's minute (schedulers and sweep spreads alike). */
  scheduleUnits?: ScheduleUnits;
}

/** The production job types; `createProductionJobs` is what `iam-pam worker` runs. */
export function productionJobs(options: ProductionJobsOptions = {}): CreateJobs {
  return (deps) => createJobs(deps, options);
}

async function createJobs(deps: EngineDeps, { scheduleUnits }: ProductionJobsOptions) {
  // Cluster exposes the same commands the domain uses.
  const domain = createDomain({
    config: deps.config,
    redis: deps.redis as Redis,
    hooksFor: deps.iamHooksFor,
    scheduleUnits,
  });
  await checkMasterKeyAtStart(domain, deps.config, deps.log);
  await reconcileSchedules(domain, deps.log);
  const providerBudget = (providerId: string) =>
    budgetOf(domain.providers, providerId, deps.config.iam.defaultMaxRps);
  const { openRotation, requestRotation } = rotationPorts(deps.log);
  const { metrics } = deps;
  registerDiscoveryGauges(metrics.registry, async () =>
    domain.discoveries.lastOf((await domain.providers.list()).map((p) => p.id)),
  );
  return {
    bindings: bindHandlers(jobContracts, {
      'validate-provider': createValidateProviderHandler({
        providers: domain.providers,
        gatewayFor: domain.clients.gatewayFor,
      }),
      discover: createDiscoverHandler({
        providers: domain.providers,
        gatewayFor: domain.clients.gatewayFor,
        budgetOf: providerBudget,
        store: domain.discoveries,
        openRun: (provider, jobId) =>
          openDiscoveryRun({ redis: deps.redis, keys: deps.keys, provider, jobId }),
        managedKeys: (provider) => managedKeysOf(domain, provider),
        importAccount: (account, actor) =>
          importAccount(
            {
              ...domain,
              gatewayFor: domain.clients.gatewayFor,
              verifierFor: domain.clients.verifierFor,
            },
            account,
            {},
            actor,
          ),
        requestRotation,
        observe: (summary) => {
          const outcome = summary.partial ? 'partial' : 'complete';
          const labels = { provider: summary.provider, outcome };
          metrics.discoveries.inc(labels);
          metrics.discoveryDuration.observe(labels, summary.durationMs / 1000);
        },
      }),
      heartbeat: createHeartbeatHandler({
        accounts: domain.accounts,
        providers: domain.providers,
        vault: domain.vault,
        gatewayFor: domain.clients.gatewayFor,
        verifierFor: domain.clients.verifierFor,
        openRotation,
        requestRotation,
        observe: (provider, verdict) => metrics.heartbeats.inc({ provider, verdict }),
      }),
      'heartbeat-sweep': createHeartbeatSweepHandler({
        accounts: domain.accounts,
        providers: domain.providers,
        enqueueBulk: deps.enqueueBulk,
        units: scheduleUnits,
      }),
      'rotation-sweep': createRotationSweepHandler({
        accounts: domain.accounts,
        providers: domain.providers,
        requestRotation,
        units: scheduleUnits,
      }),
      'schedule-tick': createScheduleTickHandler({ providers: domain.providers }),
    }),
    budgetOf: providerBudget,
  };
}

export const createProductionJobs: CreateJobs = productionJobs();

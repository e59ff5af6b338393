/**
 * The production job types with their handlers, built on the domain services (vault,
 * providers, accounts, IAM per provider). A new job type: add its contract to `jobContracts`
 * (src/jobs/registry.ts) and its handler here; a contract without a handler does not compile.
 */
import { randomUUID } from 'node:crypto';

import { displayRef } from '../accounts/account-ref.ts';
import { importAccount } from '../accounts/import-account.ts';
import { userField } from '../discovery/discovered-user.ts';
import { openDiscoveryRun } from '../discovery/discovery-runs.ts';
import { budgetOf, checkMasterKeyAtStart, type Domain } from '../domain.ts';
import { AppError } from '../errors.ts';
import { createDiscoverHandler } from '../jobs/discover/handler.ts';
import { createHeartbeatHandler } from '../jobs/heartbeat/handler.ts';
import { createHeartbeatSweepHandler } from '../jobs/heartbeat-sweep/handler.ts';
import { jobContracts } from '../jobs/registry.ts';
import type { OpenRotation, RequestRotation } from '../jobs/rotation-ports.ts';
import {
  createRotateHandler,
  rotationFailpoints,
  type RotationKinds,
} from '../jobs/rotate/handler.ts';
import type { RotationRequests } from '../producers/rotation-requests.ts';
import { createRotationSweepHandler } from '../jobs/rotation-sweep/handler.ts';
import { createScheduleTickHandler } from '../jobs/schedule-tick/handler.ts';
import { createValidateProviderHandler } from '../jobs/validate-provider/handler.ts';
import type { Logger } from '../logger.ts';
import { registerDiscoveryGauges } from '../metrics/engine-metrics.ts';
import { createRotationMetrics } from '../metrics/rotation-metrics.ts';
import { accessKeyOldKeyJobs } from './access-key-rotation.ts';
import { observeRotations } from './observe-rotations.ts';
import { bindHandlers } from '../workers/bind-handlers.ts';
import type { CreateJobs } from './engine-deps.ts';
import { productionRotationKinds } from './rotation-kinds.ts';
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

/** What discovery and heartbeat see of rotations: the journal, and the one way to ask for one. */
function rotationPorts(
  domain: Domain,
  rotations: RotationRequests,
  kinds: RotationKinds,
  log: Logger,
): { openRotation: OpenRotation; requestRotation: RequestRotation } {
  return {
    openRotation: async (account) => {
      const journal = await domain.journals.read(account);
      return journal && { rotationId: journal.rotationId, step: journal.step };
    },
    requestRotation: async (account, reason, options) => {
      // A sweep or a heartbeat would only send it to the dead-letter (not_implemented).
      if (kinds[account.kind] === undefined) {
        log.info(
          { account: displayRef(account), reason },
          `no rotation requested: rotating a ${account.kind} is not in this build`,
        );
        return undefined;
      }
      try {
        return await rotations.request(account, reason, options);
      } catch (err) {
        if (err instanceof AppError && err.code === 'rotation_in_progress') {
          log.warn({ account: displayRef(account), reason }, err.message);
          return undefined;
        }
        throw err;
      }
    },
  };
}

export interface ProductionJobsOptions {
  /**
   * Kinds that replace production's (access key, password) by name: a test swaps in its own
   * access-key kind and keeps the real password kind.
   */
  rotationKinds?: RotationKinds;
}

export const createProductionJobs: CreateJobs = (deps) => createProductionJobsWith({})(deps);

export function createProductionJobsWith(options: ProductionJobsOptions): CreateJobs {
  return async (deps) => {
    const setup = await productionJobs(deps, options);
    return setup;
  };
}

const productionJobs = async (deps: Parameters<CreateJobs>[0], options: ProductionJobsOptions) => {
  const { domain } = deps;
  const rotationMetrics = createRotationMetrics(deps.metrics.registry);
  const wiring = {
    domain,
    enqueue: deps.enqueue,
    events: deps.events,
    metrics: rotationMetrics,
  };
  const kinds = { ...productionRotationKinds(wiring), ...options.rotationKinds };
  await checkMasterKeyAtStart(domain, deps.config, deps.log);
  await reconcileSchedules(domain, deps.log);
  const providerBudget = (providerId: string) =>
    budgetOf(domain.providers, providerId, deps.config.iam.defaultMaxRps);
  const { openRotation, requestRotation } = rotationPorts(domain, deps.rotations, kinds, deps.log);
  const { metrics } = deps;
  registerDiscoveryGauges(metrics.registry, async () =>
    domain.discoveries.lastOf((await domain.providers.list()).map((p) => p.id)),
  );
  const bindings = bindHandlers(jobContracts, {
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
      units: domain.scheduleUnits,
    }),
    'rotation-sweep': createRotationSweepHandler({
      accounts: domain.accounts,
      providers: domain.providers,
      requestRotation,
      units: domain.scheduleUnits,
    }),
    'schedule-tick': createScheduleTickHandler({ providers: domain.providers }),
    rotate: observeRotations(
      createRotateHandler({
        kinds,
        accounts: domain.accounts,
        journals: domain.journals,
        vault: domain.vault,
        newRotationId: randomUUID,
      }),
      rotationMetrics,
    ),
    ...accessKeyOldKeyJobs(wiring),
  });
  return {
    // The rotate job's runs hit the failpoints of every kind's steps.
    bindings: bindings.map((binding) =>
      binding.contract.name === 'rotate'
        ? { ...binding, failpoints: rotationFailpoints(kinds) }
        : binding,
    ),
    budgetOf: providerBudget,
  };
};

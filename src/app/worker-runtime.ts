/**
 * The composition root of a worker process: connections, the shared Redis pieces (leases,
 * rate budgets, events, job states), each provider's IAM behind its budget, the job types,
 * the dead-letter, and one BullMQ Worker per queue. `close()` undoes it in reverse, bounded
 * even when Redis is gone.
 */
import type { Redis } from 'ioredis';

import { closeWithin } from '../close-within.ts';
import type { AppConfig } from '../config/load-config.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import { createUnsettledMutations } from '../audit/unsettled-mutations.ts';
import { createDomain } from '../domain.ts';
import type { ScheduleUnits } from '../providers/schedule-plan.ts';
import { checkFailpointNames, createFailpoints } from '../failpoints.ts';
import { ConfigError } from '../config/load-config.ts';
import type { RetryPolicy } from '../jobs/define-job.ts';
import { WORK_QUEUES, type WorkQueueName } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { createEngineMetrics, type EngineMetrics } from '../metrics/engine-metrics.ts';
import { createRotationRequests } from '../producers/rotation-requests.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { type BudgetOf, createRateBudget } from '../queue/rate-budget.ts';
import { createRedisConnection, waitUntilReady } from '../queue/redis-connections.ts';
import { createReplicaWait } from '../queue/replica-wait.ts';
import { createUserLeases } from '../queue/user-lease.ts';
import { createConcurrencyGate } from '../workers/concurrency-gate.ts';
import { createIamHooks } from '../workers/iam-hooks.ts';
import { leaseTiming } from '../workers/lease-timing.ts';
import { createRunScopes } from '../workers/run-scope.ts';
import { type RunningWorkers, startWorkers } from '../workers/start-workers.ts';
import type { CreateJobs, EngineDeps } from './engine-deps.ts';
import { createDeadLetterOf, createQueueServices } from './queue-services.ts';

export interface WorkerRuntimeOptions {
  config: AppConfig;
  log: Logger;
  /** Default: every work queue (never dead-letter). */
  queues?: readonly WorkQueueName[];
  createJobs: CreateJobs;
  /**
   * A provider's requests/s (unless the job setup brings one); default IAM_PAM_DEFAULT_MAX_RPS
   * for every provider.
   */
  budgetOf?: BudgetOf;
  /** Tests shrink retry delays of follow-up jobs and replays. */
  backoffOverride?: RetryPolicy['backoff'];
  reconcileEveryMs?: number;
  /** Tests shrink a schedule's minute (schedulers and sweep spreads alike). */
  scheduleUnits?: ScheduleUnits;
}

export interface WorkerRuntime {
  metrics: EngineMetrics;
  deadLetter: DeadLetter;
  workers: RunningWorkers;
  /** True while every Redis connection is usable. */
  healthy(): boolean;
  /** Drains active jobs for up to `timeoutMs`, then closes everything; false if it timed out. */
  close(timeoutMs: number): Promise<boolean>;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { config, log } = options;
  const timing = leaseTiming(config.worker.jobLockMs);
  const commands = createRedisConnection(config.redis, 'producer', log);
  const patient = createRedisConnection(config.redis, 'worker', log);
  const leaseRedis = createRedisConnection(config.redis, 'lease', log, {
    commandTimeoutMs: timing.commandTimeoutMs,
  });
  const disconnect = () => {
    commands.disconnect();
    patient.disconnect();
    leaseRedis.disconnect();
  };
  try {
    await checkRedis(commands, config.redis);
    await waitUntilReady(leaseRedis, 5_000);
  } catch (err) {
    disconnect();
    throw err;
  }
  const services = createQueueServices({
    redis: commands,
    config,
    backoffOverride: options.backoffOverride,
  });
  const { keys, enqueue, enqueueBulk, events, jobStates } = services;
  const defaultRps = config.iam.defaultMaxRps;
  let setupBudgetOf: BudgetOf | undefined;
  const budget = createRateBudget({
    redis: commands,
    keys,
    // Late-bound: the job setup may bring the providers' own budgets.
    budgetOf: (providerId) =>
      (setupBudgetOf ?? options.budgetOf ?? (async () => defaultRps))(providerId),
  });
  const leases = createUserLeases({
    redis: leaseRedis,
    keys,
    ttlMs: timing.ttlMs,
    // WAIT goes on the connection that wrote, and must end before its command timeout.
    waitForReplicas: createReplicaWait({
      redis: leaseRedis,
      minReplicas: config.redis.minReplicas ?? 0,
      timeoutMs: Math.floor(timing.commandTimeoutMs / 2),
    }),
  });
  // The dead-letter needs the metrics and the metrics read its depth: a holder breaks the cycle.
  const holder: { deadLetter?: DeadLetter } = {};
  const metrics = createEngineMetrics({
    deadLetterDepth: () => holder.deadLetter?.depth() ?? Promise.resolve(0),
  });
  const iamHooksFor = (providerId: string) =>
    createIamHooks({
      providerId,
      budget,
      metrics,
      requestTimeoutMs: timing.iamRequestTimeoutMs,
    });
  // The one domain of this process; Cluster exposes the same commands it uses.
  const domain = createDomain({
    config,
    redis: commands as Redis,
    hooksFor: iamHooksFor,
    scheduleUnits: options.scheduleUnits,
    log,
  });
  const deps: EngineDeps = {
    config,
    log,
    keys,
    redis: commands,
    domain,
    iamHooksFor,
    enqueue,
    rotations: createRotationRequests({
      queues: services.queues,
      enqueue,
      journals: domain.journals,
      events,
    }),
    enqueueBulk,
    events,
    leases,
    budget,
    metrics,
  };
  let deadLetter: DeadLetter;
  let workers: RunningWorkers;
  try {
    const setup = await options.createJobs(deps);
    const bindings = Array.isArray(setup) ? setup : setup.bindings;
    setupBudgetOf = Array.isArray(setup) ? undefined : setup.budgetOf;
    const declared = bindings.flatMap((binding) => binding.failpoints ?? []);
    const problem = checkFailpointNames(config.failpoints, declared);
    if (problem !== undefined) {
      throw new ConfigError(
        `IAM_PAM_FAILPOINTS: ${problem}; e.g. IAM_PAM_FAILPOINTS=${declared[0] ?? 'rotation:after-plan'}`,
      );
    }
    deadLetter = createDeadLetterOf(services, {
      contracts: bindings.map((b) => b.contract),
      log,
      metrics,
    });
    holder.deadLetter = deadLetter;
    workers = startWorkers({
      queues: options.queues ?? WORK_QUEUES,
      bindings,
      connection: patient,
      keys,
      log,
      concurrency: config.worker.concurrency,
      jobLockMs: config.worker.jobLockMs,
      processor: {
        leases,
        budget,
        events,
        enqueue,
        jobStates,
        metrics,
        gate: createConcurrencyGate(),
        scopeFor: createRunScopes({
          gatewayFor: domain.clients.gatewayFor,
          verifierFor: domain.clients.verifierFor,
          audit: domain.audit,
          unsettled: createUnsettledMutations(commands as Redis, keys),
          failpoints: createFailpoints(config.failpoints),
        }),
      },
      deadLetter,
      reconcileEveryMs: options.reconcileEveryMs,
    });
  } catch (err) {
    domain.close();
    disconnect();
    throw err;
  }

  return {
    metrics,
    deadLetter,
    workers,
    healthy: () =>
      commands.status === 'ready' && patient.status === 'ready' && leaseRedis.status === 'ready',
    async close(timeoutMs) {
      const clean = await workers.close(timeoutMs);
      domain.close();
      // quit() waits for Redis; when it is gone, give up after a moment and drop the sockets.
      await services.close();
      await closeWithin(
        Promise.allSettled([commands.quit(), patient.quit(), leaseRedis.quit()]),
        500,
      );
      disconnect();
      return clean;
    },
  };
}

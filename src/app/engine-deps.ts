/**
 * What job handler factories get from the worker runtime. The providers/vault issue extends
 * this with its own ports (vault, provider store) in its composition root.
 */
import type { AppConfig } from '../config/load-config.ts';
import type { IamHttpHooks } from '../iam/create-iam-clients.ts';
import type { EnqueueBulk, EnqueueJob } from '../jobs/define-job.ts';
import type { ProviderGateways } from '../iam/provider-gateways.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { EventLog } from '../queue/event-log.ts';
import type { BudgetOf, RateBudget } from '../queue/rate-budget.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import type { UserLeases } from '../queue/user-lease.ts';
import type { JobBinding } from '../workers/bind-handlers.ts';

export interface EngineDeps {
  config: AppConfig;
  log: Logger;
  keys: Keys;
  /** Fail-fast connection for the handlers' own Redis scripts (vault, journal). */
  redis: RedisConnection;
  /**
   * Each provider's IAM, reached with the process's AWS settings (or `resolveProvider`),
   * through its rate budget and the call metrics.
   */
  iam: ProviderGateways;
  /**
   * The hooks every HTTP request to a provider's IAM must pass (rate budget, metrics, the job's
   * deadline, no SDK retry on throttling): for IAM clients built elsewhere, e.g.
   * `createDomain({ config, redis, hooksFor: deps.iamHooksFor })`.
   */
  iamHooksFor: (providerId: string) => IamHttpHooks;
  enqueue: EnqueueJob;
  enqueueBulk: EnqueueBulk;
  events: EventLog;
  leases: UserLeases;
  budget: RateBudget;
  /** The process's metrics: job setups add their own counters and gauges. */
  metrics: EngineMetrics;
}

/**
 * What a worker process runs: its job types with their handlers, and optionally each
 * provider's budget (built from the same services, e.g. the provider store's `maxRps`).
 */
export type JobSetup = JobBinding[] | { bindings: JobBinding[]; budgetOf?: BudgetOf };

/** Builds the contracts and handlers a worker process runs. */
export type CreateJobs = (deps: EngineDeps) => JobSetup | Promise<JobSetup>;

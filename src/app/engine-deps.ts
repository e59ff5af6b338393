/**
 * What job handler factories get from the worker runtime. The providers/vault issue extends
 * this with its own ports (vault, provider store) in its composition root.
 */
import type { AppConfig } from '../config/load-config.ts';
import type { Domain } from '../domain.ts';
import type { IamHttpHooks } from '../iam/create-iam-clients.ts';
import type { EnqueueBulk, EnqueueJob } from '../jobs/define-job.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { RotationRequests } from '../producers/rotation-requests.ts';
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
   * The process's one domain (vault, providers, accounts, journals, each provider's IAM behind
   * the engine's hooks: rate budget, metrics, the job's deadline). Handlers reach IAM through
   * their run's scope (`ctx.scope.iam`), which wraps these clients.
   */
  domain: Domain;
  /** The hooks every HTTP request to a provider's IAM passes (for clients built elsewhere). */
  iamHooksFor: (providerId: string) => IamHttpHooks;
  enqueue: EnqueueJob;
  /** Asking for a rotation: joins a live one, refuses one blocked by a half-finished journal. */
  rotations: RotationRequests;
  /** Many jobs of one kind in one round trip (what the sweeps use). */
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

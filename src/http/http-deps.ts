/**
 * What the HTTP application's routes get. Route plugins of later issues close over their own
 * ports (provider store, vault) and receive these for the shared ones.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import type { ApiToken } from '../config/api-tokens.ts';
import type { AppConfig } from '../config/load-config.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import type { EnqueueJob, JobContract } from '../jobs/define-job.ts';
import type { Logger } from '../logger.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import type { EventLog } from '../queue/event-log.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';

export interface HttpDeps {
  config: AppConfig;
  log: Logger;
  /** The API's fail-fast connection, for plugins' own stores (e.g. `createDomain`). */
  redis: RedisConnection;
  tokens: readonly ApiToken[];
  queues: QueueSet;
  enqueue: EnqueueJob;
  events: EventLog;
  deadLetter: DeadLetter;
  /** Every job type, for `/v1/jobs/schemas`. */
  contracts: readonly JobContract[];
  metrics: Registry;
  /** Resolves when Redis answers, rejects otherwise (`/readyz`). */
  ping(): Promise<void>;
}

/**
 * Adds routes to the authenticated `/v1` context: each route states its scope in
 * `config.scope` (a route without one needs `admin`).
 */
export type HttpRoutePlugin = (app: FastifyInstance, deps: HttpDeps) => Promise<void>;

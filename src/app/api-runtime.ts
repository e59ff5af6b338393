/**
 * The composition root of the `api` process: a fail-fast Redis connection, the queues, the
 * typed enqueue with Idempotency-Key support, events, the dead-letter, metrics, and the HTTP
 * application listening on IAM_PAM_HTTP_HOST:IAM_PAM_HTTP_PORT.
 */
import type { FastifyInstance } from 'fastify';

import type { AppConfig } from '../config/load-config.ts';
import { createDeadLetter } from '../dead-letter/dead-letter.ts';
import { createHttpApp } from '../http/create-http-app.ts';
import type { HttpDeps, HttpRoutePlugin } from '../http/http-deps.ts';
import { domainRoutes } from '../http/routes/domain-routes.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { jobContracts } from '../jobs/registry.ts';
import { createKeys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import { createApiMetrics } from '../metrics/api-metrics.ts';
import { createEnqueue } from '../producers/create-enqueue.ts';
import { createQueues } from '../producers/create-queues.ts';
import { RETENTION } from '../producers/retention.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createEventLog } from '../queue/event-log.ts';
import { createIdempotencyStore } from '../queue/idempotency-store.ts';
import { createJobStateStore } from '../queue/job-state-store.ts';
import { createRedisConnection } from '../queue/redis-connections.ts';
import { sleep } from '../sleep.ts';

export interface ApiRuntimeOptions {
  config: AppConfig;
  log: Logger;
  /** Default: the production job types. */
  contracts?: readonly JobContract[];
  /** Default: the production routes (providers, accounts, secrets, audit). */
  plugins?: readonly HttpRoutePlugin[];
  /** Listen (default) or only build the app (tests use `app.inject`). */
  listen?: boolean;
}

export interface ApiRuntime {
  app: FastifyInstance;
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string | undefined;
  close(): Promise<void>;
}

export async function startApiRuntime(options: ApiRuntimeOptions): Promise<ApiRuntime> {
  const { config, log } = options;
  const redis = createRedisConnection(config.redis, 'producer', log);
  try {
    await checkRedis(redis, config.redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const keys = createKeys(config.redis.prefix);
  const queues = createQueues(redis, keys);
  const enqueue = createEnqueue({ queues, idempotency: createIdempotencyStore({ redis, keys }) });
  const events = createEventLog({ redis, keys });
  const contracts = options.contracts ?? jobContracts;
  const deadLetter = createDeadLetter({
    queues,
    redis,
    keys,
    events,
    jobStates: createJobStateStore({ redis, keys, ttlMs: RETENTION.failed.age * 1000 }),
    enqueue,
    contracts,
    failedRetentionS: RETENTION.failed.age,
    log,
  });
  const deps: HttpDeps = {
    config,
    log,
    redis,
    tokens: config.http.apiTokens,
    queues,
    enqueue,
    events,
    deadLetter,
    contracts,
    metrics: createApiMetrics({ queues }),
    ping: async () => {
      await redis.ping();
    },
  };
  const app = await createHttpApp(deps, { plugins: options.plugins ?? [domainRoutes] });
  let url: string | undefined;
  if (options.listen !== false) {
    url = await app.listen({ host: config.http.host, port: config.http.port });
    log.info({ url, dashboard: `${url}/admin/queues`, docs: `${url}/docs` }, 'api listening');
  }
  return {
    app,
    url,
    async close() {
      await app.close();
      await Promise.race([queues.close(), sleep(1_000)]);
      await Promise.race([redis.quit().catch(() => undefined), sleep(500)]);
      redis.disconnect();
    },
  };
}

/**
 * The composition root of the `api` process: a fail-fast Redis connection, the queues, the
 * typed enqueue with Idempotency-Key support, events, the dead-letter, metrics, and the HTTP
 * application listening on IAM_PAM_HTTP_HOST:IAM_PAM_HTTP_PORT.
 */
import type { FastifyInstance } from 'fastify';

import { closeWithin } from '../close-within.ts';
import type { AppConfig } from '../config/load-config.ts';
import type { DeadLetter } from '../dead-letter/dead-letter.ts';
import { createHttpApp } from '../http/create-http-app.ts';
import type { HttpDeps, HttpRoutePlugin } from '../http/http-deps.ts';
import { domainRoutes } from '../http/routes/domain-routes.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { jobContracts } from '../jobs/registry.ts';
import type { Logger } from '../logger.ts';
import { createApiMetrics } from '../metrics/api-metrics.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createRedisConnection } from '../queue/redis-connections.ts';
import { createDeadLetterOf, createQueueServices, type QueueServices } from './queue-services.ts';

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
  const contracts = options.contracts ?? jobContracts;
  const redis = createRedisConnection(config.redis, 'producer', log);
  let services: QueueServices;
  let deadLetter: DeadLetter;
  try {
    await checkRedis(redis, config.redis);
    services = createQueueServices({ redis, config });
    deadLetter = createDeadLetterOf(services, { contracts, log });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const { queues, enqueue, events } = services;
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
  const close = async () => {
    await app.close();
    await services.close();
    await closeWithin(
      redis.quit().catch(() => undefined),
      500,
    );
    redis.disconnect();
  };
  let url: string | undefined;
  if (options.listen !== false) {
    try {
      url = await app.listen({ host: config.http.host, port: config.http.port });
    } catch (err) {
      // A port in use: nothing it opened stays open (the demo then tries another port).
      await close();
      throw err;
    }
    log.info({ url, dashboard: `${url}/admin/queues`, docs: `${url}/docs` }, 'api listening');
  }
  return { app, url, close };
}

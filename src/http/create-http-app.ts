/**
 * The HTTP application, apart from any process concerns (the `api` command listens and
 * handles signals): public health, readiness, metrics and docs; the token-gated `/v1` routes,
 * ours and those of later issues (`plugins`); and the Bull dashboard.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';

import { createAuthenticator } from './auth.ts';
import { registerDashboard, rewriteDashboardUrl } from './dashboard.ts';
import type { HttpDeps, HttpRoutePlugin } from './http-deps.ts';
import { answerClientError } from './client-errors.ts';
import { answerFrameworkError, installErrorHandling } from './http-errors.ts';
import { requireScopes } from './require-scope.ts';
import { deadLetterRoutes } from './routes/dead-letter-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { jobsRoutes } from './routes/jobs-routes.ts';

export interface HttpAppOptions {
  /** Route plugins of later issues (providers, accounts, audit), registered behind the tokens. */
  plugins?: readonly HttpRoutePlugin[];
}

const SCOPES_DOC =
  'Bearer tokens from IAM_PAM_API_TOKENS (`name:token:scope+scope`). Scopes: `read`, `enqueue`, `secrets`, `admin`; `admin` implies `read` and `enqueue`, never `secrets`. Errors are `{"error":{"code","message"}}`.';

export async function createHttpApp(
  deps: HttpDeps,
  options: HttpAppOptions = {},
): Promise<FastifyInstance> {
  // Typed as fastify's logger, so the app's type matches what route plugins receive.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const auth = createAuthenticator(deps.tokens);
  const app = Fastify({
    loggerInstance,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    rewriteUrl: (request) =>
      rewriteDashboardUrl(auth, request.url ?? '/', request.headers.authorization),
    // One debug line per request (below) instead of fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
  });
  installErrorHandling(app, deps.config.redis);
  await app.register(swagger, {
    openapi: {
      info: { title: 'iam-pam', version: '1', description: SCOPES_DOC },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await healthRoutes(app, deps);

  await app.register(async (api) => {
    requireScopes(api, auth);
    for (const plugin of [jobsRoutes, eventsRoutes, deadLetterRoutes, ...(options.plugins ?? [])]) {
      await plugin(api, deps);
    }
  });
  await registerDashboard(app, { queues: deps.queues, auth });
  app.addHook('onResponse', async (request, reply) => {
    deps.log.debug(
      { method: request.method, route: request.routeOptions.url, status: reply.statusCode },
      'request',
    );
  });
  return app;
}

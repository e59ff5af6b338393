/** `/healthz` (liveness), `/readyz` (Redis answers) and `/metrics` (Prometheus): no token. */
import type { FastifyInstance } from 'fastify';

import type { HttpDeps } from '../http-deps.ts';

export async function healthRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: Redis answers' } },
    async (_request, reply) => {
      try {
        await deps.ping();
        return { status: 'ready' };
      } catch {
        return reply.status(503).send({
          error: { code: 'redis_unavailable', message: 'Redis does not answer' },
        });
      }
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics' } },
    async (_request, reply) =>
      reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
}

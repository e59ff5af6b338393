/**
 * The Bull dashboard (bull-board) at `/admin/queues`, over all five queues including
 * dead-letter, behind the API's tokens: a bearer token, or basic auth with the token's name
 * and the token (what a browser can send). It needs `read`; bull-board fixes read-only per
 * board, so this gate refuses every request that could change something (any method but
 * GET/HEAD) unless the token has `admin`. Job data and results are scrubbed of secret-shaped
 * fields on the way out, as a second line behind "jobs never carry secrets".
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';

import { scrubSecrets } from '../logger.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import { type Authenticator, hasScope } from './auth.ts';
import { sendError } from './http-errors.ts';

export const DASHBOARD_PATH = '/admin/queues';

export async function registerDashboard(
  app: FastifyInstance,
  deps: { queues: QueueSet; auth: Authenticator },
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const principal = deps.auth.identify(request.headers.authorization, { basic: true });
      if (principal === undefined || !hasScope(principal, 'read')) {
        void reply.header('www-authenticate', 'Basic realm="iam-pam dashboard", charset="UTF-8"');
        return principal === undefined
          ? sendError(
              reply,
              401,
              'unauthorized',
              'sign in with a token name and token (or a bearer token)',
            )
          : sendError(
              reply,
              403,
              'forbidden',
              `the token "${principal.name}" lacks the scope "read"`,
            );
      }
      if (request.method !== 'GET' && request.method !== 'HEAD' && !hasScope(principal, 'admin')) {
        return sendError(
          reply,
          403,
          'forbidden',
          `the dashboard is read-only for "${principal.name}": changes need the scope "admin"`,
        );
      }
      return undefined;
    });
    const adapters = deps.queues.all().map((queue) => {
      const adapter = new BullMQAdapter(queue);
      adapter.setFormatter('data', (data: unknown) => scrubSecrets(data));
      adapter.setFormatter('returnValue', (value: unknown) => scrubSecrets(value));
      return adapter;
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: adapters,
      serverAdapter,
      options: { uiConfig: { boardTitle: 'iam-pam' } },
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}

/**
 * The Bull dashboard (bull-board) at `/admin/queues`, over all five queues including
 * dead-letter, behind the API's tokens: a bearer token, or basic auth with the token's name
 * and the token (what a browser can send). It needs `read`.
 *
 * bull-board fixes read-only per board, so there are two boards behind the one path: the
 * admin board, and a read-only board (no retry/clean/pause buttons) that the server routes
 * every non-admin caller to (`rewriteDashboardUrl`, installed as fastify's `rewriteUrl`). Both
 * serve the UI under `/admin/queues`, so the browser never sees the difference. Besides, the
 * gate refuses every request that could change something (any method but GET/HEAD) unless the
 * token has `admin`. Job data and results are scrubbed of secret-shaped fields on the way out,
 * as a second line behind "jobs never carry secrets".
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { scrubSecrets } from '../logger.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import { type Authenticator, hasScope } from './auth.ts';
import { sendError } from './http-errors.ts';

export const DASHBOARD_PATH = '/admin/queues';
/** Where the read-only board is mounted; reached only through the rewrite below. */
const READ_ONLY_MOUNT = '/_dashboard-read-only';

function isDashboardUrl(url: string): boolean {
  return url === DASHBOARD_PATH || /^\/admin\/queues[/?]/.test(url);
}

/** Sends callers without `admin` to the read-only board; everything else is left as it is. */
export function rewriteDashboardUrl(
  auth: Authenticator,
  url: string,
  authorization: string | undefined,
): string {
  if (!isDashboardUrl(url)) {
    return url;
  }
  const principal = auth.identify(authorization, { basic: true });
  if (principal === undefined || hasScope(principal, 'admin')) {
    return url;
  }
  return READ_ONLY_MOUNT + url;
}

function gate(auth: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.originalUrl.startsWith(READ_ONLY_MOUNT)) {
      // Only the rewrite may reach the read-only board: its own path is not a public route.
      const path = request.originalUrl.split('?')[0] ?? '';
      return sendError(reply, 404, 'not_found', `no route ${request.method} ${path}`);
    }
    const principal = auth.identify(request.headers.authorization, { basic: true });
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
  };
}

async function registerBoard(
  app: FastifyInstance,
  deps: { queues: QueueSet; auth: Authenticator },
  board: { mount: string; readOnlyMode: boolean },
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', gate(deps.auth));
    const adapters = deps.queues.all().map((queue) => {
      const adapter = new BullMQAdapter(queue, { readOnlyMode: board.readOnlyMode });
      adapter.setFormatter('data', (data: unknown) => scrubSecrets(data));
      adapter.setFormatter('returnValue', (value: unknown) => scrubSecrets(value));
      return adapter;
    });
    const serverAdapter = new FastifyAdapter();
    // The UI's links and API calls always use the public path, whichever board serves it.
    serverAdapter.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: adapters,
      serverAdapter,
      options: { uiConfig: { boardTitle: board.readOnlyMode ? 'iam-pam (read-only)' : 'iam-pam' } },
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: board.mount });
  });
}

export async function registerDashboard(
  app: FastifyInstance,
  deps: { queues: QueueSet; auth: Authenticator },
): Promise<void> {
  await registerBoard(app, deps, { mount: DASHBOARD_PATH, readOnlyMode: false });
  await registerBoard(app, deps, { mount: READ_ONLY_MOUNT + DASHBOARD_PATH, readOnlyMode: true });
}

/**
 * The Bull dashboard (bull-board) at `/admin/queues`, over all five queues including
 * dead-letter, behind the API's tokens: a bearer token, or basic auth with the token's name
 * and the token (what a browser can send). It needs `read`.
 *
 * bull-board fixes read-only per board, so there are two boards behind the one path: the
 * admin board, and a read-only board (no retry/clean/pause buttons) that the server routes
 * every non-admin caller to (`rewriteDashboardUrl`, installed as fastify's `rewriteUrl`). Both
 * serve the UI under `/admin/queues`, so the browser never sees the difference. Each board
 * also checks the caller itself (`gate`): the read-only board answers only GET/HEAD. What jobs
 * carry is scrubbed on the way out (`ScrubbedQueueAdapter`).
 */
import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { QueueSet } from '../producers/create-queues.ts';
import { type Authenticator, hasScope } from './auth.ts';
import { sendError } from './http-errors.ts';
import { ScrubbedQueueAdapter } from './scrubbed-queue-adapter.ts';

export const DASHBOARD_PATH = '/admin/queues';
/** Where the read-only board is mounted; reached only through the rewrite below. */
const READ_ONLY_MOUNT = '/_dashboard-read-only';
const SAFE_METHODS = new Set(['GET', 'HEAD']);
/**
 * bull-board views of things iam-pam never uses (flows, job schedulers). They read job data,
 * progress and failure texts around the adapter's scrubbing, so they are switched off.
 */
const UNUSED_VIEWS = [/\/api\/job-schedulers$/, /\/job-schedulers\//, /\/:jobId\/flow$/];

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

/**
 * Who may use a board. The rewrite sends readers to the read-only board, but it sees the raw
 * URL and the router a decoded one (`/%61dmin/queues` routes to the admin board unrewritten),
 * so each board checks for itself: the admin board refuses anyone without `admin` (fail
 * closed), and the read-only board serves only requests the rewrite sent it.
 */
function gate(auth: Authenticator, readOnlyBoard: boolean) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (readOnlyBoard && request.url !== READ_ONLY_MOUNT + request.originalUrl) {
      const path = request.originalUrl.split('?')[0] ?? '';
      return sendError(reply, 404, 'not_found', `no route ${request.method} ${path}`);
    }
    const route = request.routeOptions.url ?? '';
    if (UNUSED_VIEWS.some((view) => view.test(route))) {
      return sendError(reply, 404, 'not_found', 'iam-pam uses no flows or job schedulers');
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
    if (!hasScope(principal, 'admin') && (!readOnlyBoard || !SAFE_METHODS.has(request.method))) {
      const what = readOnlyBoard ? 'changes need' : `this address of ${DASHBOARD_PATH} needs`;
      return sendError(
        reply,
        403,
        'forbidden',
        `the dashboard is read-only for "${principal.name}": ${what} the scope "admin"`,
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
    scope.addHook('onRequest', gate(deps.auth, board.readOnlyMode));
    const adapters = deps.queues
      .all()
      .map((queue) => new ScrubbedQueueAdapter(queue, { readOnlyMode: board.readOnlyMode }));
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

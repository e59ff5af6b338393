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
 *
 * The pages are self-contained (`selfContained`): nothing is loaded from outside the api, and
 * a Content-Security-Policy says so to the browser. Errors are the API's own: a Redis outage
 * is a 503 `redis_unavailable`, anything else a 500 logged with its request id.
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

/** A bull-board view iam-pam switches off: its page and API routes answer 404 with `why`. */
export interface SwitchedOffView {
  /** The view's routes (bull-board's patterns, `:param` included), page and API. */
  routes: RegExp;
  why: string;
}

/**
 * Views iam-pam switches off. Editing or removing a job scheduler: a provider's schedulers
 * follow its lifecycle policy (every policy write and every start puts them back as it says), so
 * they are changed there; showing them and running one now stay. Metrics history: the board
 * records none, so the page only fails.
 */
export const SWITCHED_OFF_VIEWS: readonly SwitchedOffView[] = [
  {
    routes: /\/job-schedulers\/:schedulerId(\/remove)?$/,
    why: "a provider's schedules follow its lifecycle policy: change them with iam-pam provider policy <id> --set … or PUT /v1/providers/{id}",
  },
  { routes: /\/metrics-history$/, why: 'iam-pam records no metrics history; see /metrics' },
];

/**
 * Nothing the pages load may come from outside the api. Styles may be inline: bull-board's
 * page and components set `style` attributes.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A `<link>` to another origin (bull-board's page links its fonts from a public CDN). */
const EXTERNAL_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/gi;

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
    const switchedOff = SWITCHED_OFF_VIEWS.find((view) => view.routes.test(route));
    if (switchedOff !== undefined) {
      return sendError(reply, 404, 'not_found', switchedOff.why);
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

/**
 * The page without links to other origins (the stylesheet falls back to the system's fonts),
 * and a policy that lets the browser load nothing from elsewhere.
 */
function selfContained() {
  return async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    void reply.header('content-security-policy', DASHBOARD_CSP);
    const type = String(reply.getHeader('content-type') ?? '');
    return typeof payload === 'string' && type.startsWith('text/html')
      ? payload.replace(EXTERNAL_LINK, '')
      : payload;
  };
}

async function registerBoard(
  app: FastifyInstance,
  deps: { queues: QueueSet; auth: Authenticator },
  board: { mount: string; readOnlyMode: boolean },
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', gate(deps.auth, board.readOnlyMode));
    scope.addHook('onSend', selfContained());
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
    // bull-board answers what its handlers throw with a 500 of its own, logged at debug level:
    // passed on instead, to the API's error handler (503 for a Redis outage, logged 500s).
    serverAdapter.setErrorHandler((err) => {
      throw err;
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

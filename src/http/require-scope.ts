/**
 * The `/v1` gate: a bearer token (401 without one or with a wrong one) holding the route's
 * scope (403 without it).
 */
import type { FastifyInstance } from 'fastify';

import type { Authenticator } from './auth.ts';
import { hasScope } from './auth.ts';
import { sendError } from './http-errors.ts';
import './fastify-types.ts';

export function requireScopes(app: FastifyInstance, auth: Authenticator): void {
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope ?? 'admin';
    const principal = auth.identify(request.headers.authorization);
    if (principal === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="iam-pam"');
      return sendError(
        reply,
        401,
        'unauthorized',
        request.headers.authorization === undefined
          ? 'send a token: Authorization: Bearer <token> (IAM_PAM_API_TOKENS)'
          : 'the token is not valid',
      );
    }
    if (!hasScope(principal, scope)) {
      return sendError(
        reply,
        403,
        'forbidden',
        `the token "${principal.name}" lacks the scope "${scope}"`,
      );
    }
    request.principal = principal;
    return undefined;
  });
}

/** `GET /v1/audit?account=&limit=`: the audit trail, newest first. */
import type { FastifyInstance } from 'fastify';

import { canonicalRef, parseAccountRef } from '../../accounts/account-ref.ts';
import type { Domain } from '../../domain.ts';

export function registerAuditRoutes(app: FastifyInstance, domain: Domain): void {
  app.get<{ Querystring: { account?: string; limit?: number } }>(
    '/v1/audit',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['audit'],
        summary: 'Vault writes, secret reads and IAM mutations, newest first',
        querystring: {
          type: 'object',
          properties: {
            account: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 50 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      // Entries name accounts canonically (user name lower-cased), as IAM compares them.
      const account =
        request.query.account === undefined
          ? undefined
          : canonicalRef(parseAccountRef(request.query.account));
      return domain.audit.list({ account, limit: request.query.limit ?? 50 });
    },
  );
}

/**
 * Managed accounts: `PUT|GET|DELETE /v1/providers/{id}/accounts/{userName}/{kind}`,
 * `GET /v1/accounts?provider=`, and `GET …/secret` (scope `secrets`, every read audited).
 */
import type { FastifyInstance } from 'fastify';

import { readAccountSecret, removeAccount } from '../../accounts/account-actions.ts';
import { type AccountRef, checkAccountParts } from '../../accounts/account-ref.ts';
import { importAccount, wantsReset } from '../../accounts/import-account.ts';
import type { Domain } from '../../domain.ts';
import type { EnqueuedJob } from '../../jobs/define-job.ts';
import { actorOf } from './actor.ts';

type AccountParams = { Params: { id: string; userName: string; kind: string } };
const ACCOUNT_URL = '/v1/providers/:id/accounts/:userName/:kind';
const tags = ['accounts'];

const refOf = (params: AccountParams['Params']): AccountRef =>
  checkAccountParts(params.id, params.userName, params.kind);

/** Asks for the rotation `resetOnImport` wants (rotation-requests.ts). */
export type RequestResetRotation = (account: AccountRef) => Promise<EnqueuedJob>;

export function registerAccountRoutes(
  app: FastifyInstance,
  domain: Domain,
  requestReset: RequestResetRotation,
): void {
  app.put<AccountParams>(
    ACCOUNT_URL,
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary:
          'Manage an account: body {accessKeyId?, adoptSecret?, resetOnImport?}; reads IAM, changes nothing in AWS (502 when IAM is unreachable); 201 with the account, plus rotation {queue, jobId} when resetOnImport enqueued one',
      },
    },
    async (request, reply) => {
      const ref = refOf(request.params);
      const record = await importAccount(
        {
          ...domain,
          gatewayFor: domain.clients.gatewayFor,
          verifierFor: domain.clients.verifierFor,
        },
        ref,
        request.body ?? {},
        actorOf(request),
      );
      if (!wantsReset(request.body)) {
        return reply.status(201).send(record);
      }
      const rotation = await requestReset(record);
      return reply.status(201).send({ ...record, rotation });
    },
  );

  app.get<{ Querystring: { provider?: string } }>(
    '/v1/accounts',
    {
      config: { scope: 'read' },
      schema: {
        tags,
        summary:
          'Managed accounts with status, current key id, last heartbeat verdict, last rotation',
        querystring: { type: 'object', properties: { provider: { type: 'string' } } },
      },
    },
    async (request) => {
      if (request.query.provider !== undefined) {
        await domain.providers.require(request.query.provider);
      }
      return domain.accounts.list(request.query.provider);
    },
  );

  app.get<AccountParams>(
    ACCOUNT_URL,
    { config: { scope: 'read' }, schema: { tags, summary: 'One account (no secret)' } },
    async (request) => domain.accounts.require(refOf(request.params)),
  );

  app.delete<AccountParams>(
    ACCOUNT_URL,
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Stop managing an account (AWS untouched; its secrets leave the vault)',
      },
    },
    async (request, reply) => {
      await removeAccount(domain, refOf(request.params), actorOf(request));
      return reply.status(204).send();
    },
  );

  app.get<AccountParams>(
    `${ACCOUNT_URL}/secret`,
    {
      config: { scope: 'secrets' },
      schema: {
        tags,
        summary: '{accessKeyId, secretAccessKey} or {password}; every read is audited',
      },
    },
    async (request, reply) => {
      const secret = await readAccountSecret(domain, refOf(request.params), actorOf(request));
      // Never cached by anything between us and the caller.
      return reply.header('cache-control', 'no-store').send(secret);
    },
  );
}

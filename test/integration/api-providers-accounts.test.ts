/**
 * The HTTP routes of providers, accounts, secrets and audit, and the validate job end to end:
 * an API and a worker runtime (production job types) on a real Redis and IAM backend.
 */
import { randomBytes } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { custom } from '../support/domain.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { useIamBackend } from '../support/iam-backend.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import { waitFor } from '../support/wait-for.ts';

const TOKENS = {
  admin: 'admin-token-000000000001',
  reader: 'reader-token-00000000001',
  vault: 'vault-token-000000000001',
};
const engine = useEngine({
  createJobs: createProductionJobs,
  env: {
    IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
    IAM_PAM_API_TOKENS: `ops:${TOKENS.admin}:admin,dash:${TOKENS.reader}:read,vault:${TOKENS.vault}:secrets+read`,
  },
});
const backend = useIamBackend();
let api: ApiRuntime;
let app: FastifyInstance;
let admin: IamAdmin;

type Who = keyof typeof TOKENS | undefined;
async function call(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  who: Who,
  body?: unknown,
) {
  const response = await app.inject({
    method,
    url,
    headers: who ? { authorization: `Bearer ${TOKENS[who]}` } : {},
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return {
    status: response.statusCode,
    body: response.body ? (JSON.parse(response.body) as Record<string, any>) : undefined,
  };
}

const providerBody = () => ({
  region: backend.current.region,
  ...(backend.current.endpoint ? { endpoints: { iam: backend.current.endpoint } } : {}),
  credential: custom(backend.current.credentials),
});

beforeAll(async () => {
  api = await startApiRuntime({ config: engine.config, log: engine.log, listen: false });
  app = api.app;
  admin = createIamAdmin(backend.current);
});

afterAll(async () => {
  await api?.close();
  await admin.cleanup();
});

describe('provider routes', () => {
  it('need a token (401) with the right scope (403)', async () => {
    expect((await call('GET', '/v1/providers', undefined)).status).toBe(401);
    expect((await call('PUT', '/v1/providers/prod', 'reader', providerBody())).status).toBe(403);
    expect((await call('GET', '/v1/providers/prod', 'reader')).status).toBe(404);
  });

  it('create, replace and show a provider without ever echoing the secret', async () => {
    const created = await call('PUT', '/v1/providers/prod', 'admin', providerBody());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'prod',
      status: 'unknown',
      credential: { type: 'custom' },
    });
    const replaced = await call('PUT', '/v1/providers/prod', 'admin', {
      ...providerBody(),
      maxRps: 50,
      description: 'main account',
    });
    expect(replaced).toMatchObject({
      status: 200,
      body: { maxRps: 50, description: 'main account' },
    });
    const listed = await call('GET', '/v1/providers', 'reader');
    expect(listed.body).toEqual([expect.objectContaining({ id: 'prod' })]);
    expect(JSON.stringify([created, replaced, listed])).not.toContain(
      backend.current.credentials.secretAccessKey,
    );
  });

  it('refuse bad input with 400 naming the field, and change nothing', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v1/providers/Bad_Id', providerBody(), /provider id "Bad_Id"/],
      ['/v1/providers/other', {}, /^credential: /],
      [
        '/v1/providers/other',
        { credential: { type: 'custom', accessKeyId: 42 } },
        /^credential\.accessKeyId: /,
      ],
      [
        '/v1/providers/other',
        { credential: { type: 'chain' }, region: 'mars' },
        /^region: must be an AWS region/,
      ],
      [
        '/v1/providers/other',
        { credential: { type: 'chain' }, endpoints: { iam: 'ftp://x' } },
        /^endpoints\.iam: /,
      ],
      ['/v1/providers/other', { id: 'else', credential: { type: 'chain' } }, /^id: "else" differs/],
    ];
    for (const [url, body, message] of cases) {
      const response = await call('PUT', url, 'admin', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body?.error?.code).toBe('invalid_input');
      expect(response.body?.error?.message).toMatch(message);
    }
    expect((await call('GET', '/v1/providers/other', 'reader')).status).toBe(404);
  });

  it('validate: 404 for an unknown provider; a job that records the status and emits provider.validated', async () => {
    expect((await call('POST', '/v1/providers/nope/validate', 'admin')).status).toBe(404);
    const queued = await call('POST', '/v1/providers/prod/validate', 'admin');
    expect(queued).toMatchObject({
      status: 202,
      body: { queue: 'validate', jobId: expect.any(String) },
    });
    const status = await engine.finished(
      { queue: 'validate', jobId: queued.body!.jobId as string },
      20_000,
    );
    const expected = backend.current.name === 'moto' ? 'unknown' : 'ready';
    expect(status).toMatchObject({
      state: 'completed',
      result: { provider: 'prod', status: expected, denied: [] },
    });
    const job = await call('GET', `/v1/jobs/validate/${queued.body!.jobId}`, 'reader');
    expect(job.body).toMatchObject({ state: 'completed', result: { status: expected } });
    const provider = await call('GET', '/v1/providers/prod', 'reader');
    expect(provider.body).toMatchObject({ status: expected, validatedAt: expect.any(String) });
    const events = await waitFor('provider.validated', async () => {
      const all = (await call('GET', '/v1/events', 'reader')).body as unknown as Array<{
        type: string;
        provider: string;
        detail: { status: string };
      }>;
      return all.find((e) => e.type === 'provider.validated');
    });
    expect(events).toMatchObject({ provider: 'prod', detail: { status: expected } });
  });
});

describe('account routes', () => {
  it('import an account, list and show it, and serve its secret only with the secrets scope (audited)', async () => {
    const userName = await admin.createUser('api-user');
    const key = await admin.createAccessKey(userName);
    const url = `/v1/providers/prod/accounts/${encodeURIComponent(userName)}/access-key`;
    expect((await call('PUT', url, 'reader', {})).status).toBe(403);
    const created = await call('PUT', url, 'admin', {
      adoptSecret: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        account: `prod/${userName}/access-key`,
        currentAccessKeyId: key.accessKeyId,
        secretKnown: true,
      },
    });
    expect((await call('GET', url, 'reader')).body).toMatchObject({ status: 'managed' });
    expect((await call('GET', '/v1/accounts?provider=prod', 'reader')).body).toEqual([
      expect.objectContaining({ userName }),
    ]);

    expect((await call('GET', `${url}/secret`, 'admin')).status).toBe(403);
    expect((await call('GET', `${url}/secret`, 'reader')).status).toBe(403);
    const secret = await call('GET', `${url}/secret`, 'vault');
    expect(secret).toMatchObject({
      status: 200,
      body: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    const audit = await call(
      'GET',
      `/v1/audit?account=${encodeURIComponent(`prod/${userName}/access-key`)}&limit=3`,
      'reader',
    );
    expect((audit.body as unknown as unknown[])[0]).toMatchObject({
      action: 'secret.read',
      actor: 'token:vault',
      keyId: key.accessKeyId,
    });
    expect(audit.body).not.toContain(key.secretAccessKey);
    expect(
      await scanForSecrets(engine.redis.redis, engine.redis.prefix, [
        key.secretAccessKey,
        backend.current.credentials.secretAccessKey,
      ]),
    ).toEqual([]);
  });

  it('refuse bad input (400/404) and changes nothing; keep a provider with accounts (409)', async () => {
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['/v1/providers/prod/accounts/bad%20name!/password', {}, 400, /user name "bad name!"/],
      ['/v1/providers/prod/accounts/alice/ssh-key', {}, 400, /kind "ssh-key"/],
      ['/v1/providers/ghost/accounts/alice/password', {}, 404, /provider "ghost" does not exist/],
      [
        '/v1/providers/prod/accounts/alice/password',
        { accessKeyId: 'AKIAEXAMPLEEXAMPLE00' },
        400,
        /accessKeyId: only access-key accounts/,
      ],
      [
        '/v1/providers/prod/accounts/alice/access-key',
        { adoptSecret: 'hunter2' },
        400,
        /^adoptSecret: /,
      ],
      ['/v1/providers/prod/accounts/alice/access-key', { surprise: 1 }, 400, /surprise/],
      ['/v1/providers/prod/accounts/no-such-user-404/access-key', {}, 404, /cannot be found/],
    ];
    for (const [url, body, status, message] of cases) {
      const response = await call('PUT', url, 'admin', body);
      expect(response.status, url).toBe(status);
      expect(response.body?.error?.message).toMatch(message);
    }
    expect((await call('GET', '/v1/providers/prod/accounts/alice/password', 'reader')).status).toBe(
      404,
    );
    expect((await call('GET', '/v1/accounts?provider=ghost', 'reader')).status).toBe(404);
    // Managed without its secret: the secret is refused (409), not missing (404).
    const unadopted = await admin.createUser('api-no-secret');
    await admin.createAccessKey(unadopted);
    const unadoptedUrl = `/v1/providers/prod/accounts/${encodeURIComponent(unadopted)}/access-key`;
    expect((await call('PUT', unadoptedUrl, 'admin', {})).status).toBe(201);
    expect(await call('GET', `${unadoptedUrl}/secret`, 'vault')).toMatchObject({
      status: 409,
      body: {
        error: { code: 'secret_unknown', message: expect.stringMatching(/no secret is known/) },
      },
    });
    const inUse = await call('DELETE', '/v1/providers/prod', 'admin');
    expect(inUse).toMatchObject({ status: 409, body: { error: { code: 'provider_in_use' } } });
  });
});

describe('iam-pam provider validate', () => {
  it('waits for the check and exits 0 only when the provider is ready; 2 for an unknown provider', async () => {
    const cli = createCliRunner({
      ...engine.redis.env,
      IAM_PAM_MASTER_KEY: engine.config.vault.masterKey ?? '',
    });
    const run = await cli(['provider', 'validate', 'prod', '--wait', '--json']);
    const ready = backend.current.name !== 'moto';
    expect(run.code, run.stderr).toBe(ready ? 0 : 1);
    // This file's engine runs a worker on the validate queue: no notice that none does.
    expect(run.stderr).not.toMatch(/no worker serves/);
    expect(run.json()).toMatchObject({
      queue: 'validate',
      state: 'completed',
      result: { provider: 'prod', status: ready ? 'ready' : 'unknown' },
    });
    const queued = await cli(['provider', 'validate', 'prod', '--json']);
    expect(queued.json()).toEqual({ queue: 'validate', jobId: expect.any(String) });
    const unknown = await cli(['provider', 'validate', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/provider "nope" does not exist/);
  });
});

/**
 * Discovery end to end on a real Redis and IAM backend: the `discover` job (worker runtime with
 * the production job types), `iam-pam discover`, and the HTTP routes. Each test lists its own
 * IAM path prefix, so its snapshot and diff are its own. Pagination with short pages and
 * throttling need the sandbox (moto ignores MaxItems and injects no faults).
 */
import { randomBytes, randomUUID } from 'node:crypto';

import {
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import type { DiscoverySummary } from '../../src/discovery/discovery-store.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import { discover } from '../../src/jobs/discover/contract.ts';
import { createSandbox } from '../../src/sandbox/create-sandbox.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { custom } from '../support/domain.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';

const masterKey = randomBytes(32).toString('base64');
const TOKEN = 'discovery-admin-token-0001';
const engine = useEngine({
  createJobs: createProductionJobs,
  env: {
    IAM_PAM_MASTER_KEY: masterKey,
    IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin`,
    // No takeover here: a long lease, so its share of a request's deadline (half) is long too,
    // and a busy machine's slow answer is not abandoned and sent again.
    IAM_PAM_JOB_LOCK_MS: '10000',
  },
});
const backend = useIamBackend();
const cli = createCliRunner({ ...engine.redis.env, IAM_PAM_MASTER_KEY: masterKey });
let admin: IamAdmin;
let domain: Domain;
let api: ApiRuntime;
let app: FastifyInstance;

type Result = DiscoverySummary & {
  counts: { added: number; removed: number; changed: number };
  autoImport?: { imported: Array<{ account: string }>; skipped: unknown[] };
};

async function addProvider(
  id: string,
  target: {
    endpoint?: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
  maxRps = 200,
) {
  await domain.providers.put(
    id,
    {
      region: target.region,
      ...(target.endpoint ? { endpoints: { iam: target.endpoint } } : {}),
      credential: custom(target.credentials),
      maxRps,
    },
    'test',
  );
}

async function discoverNow(pathPrefix: string, provider = 'main'): Promise<Result> {
  const job = await engine.enqueue(discover, { provider, pathPrefix });
  const status = await engine.finished(job, 60_000);
  expect(status.state, status.failedReason).toBe('completed');
  return status.result as Result;
}

/** A path of this test's own: its users and snapshot are apart from the other tests'. */
const freshPath = () => `${backend.current.userPath}disc-${randomUUID().slice(0, 8)}/`;

async function deleteUser(userName: string, keyIds: string[]) {
  for (const AccessKeyId of keyIds) {
    await admin.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId }));
  }
  await admin.client.send(new DeleteUserCommand({ UserName: userName }));
}

async function http(method: 'GET' | 'POST', url: string, body?: unknown) {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body || '{}') as Record<string, any>,
  };
}

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  await addProvider('main', backend.current);
  api = await startApiRuntime({ config: engine.config, log: engine.log, listen: false });
  app = api.app;
});

afterAll(async () => {
  await api?.close();
  domain?.close();
  await admin?.cleanup();
});

describe(`discovery on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('finds users and keys, then reports what was added, removed and changed', async () => {
    const path = freshPath();
    const [a, b, c] = [
      await admin.createUser('da', path),
      await admin.createUser('db', path),
      await admin.createUser('dc', path),
    ];
    const keyA = await admin.createAccessKey(a);
    const keyB1 = await admin.createAccessKey(b);
    const keyB2 = await admin.createAccessKey(b);

    const first = await discoverNow(path);
    expect(first).toMatchObject({
      provider: 'main',
      pathPrefix: path,
      users: 3,
      accessKeys: 3,
      partial: false,
      first: true,
      diff: { removed: [], changed: [] },
    });
    expect(first.diff.added.map((e) => e.userName).sort()).toEqual([a, b, c].sort());

    const keyC = await admin.createAccessKey(c);
    await admin.client.send(
      new UpdateAccessKeyCommand({
        UserName: b,
        AccessKeyId: keyB1.accessKeyId,
        Status: 'Inactive',
      }),
    );
    await admin.client.send(
      new DeleteAccessKeyCommand({ UserName: b, AccessKeyId: keyB2.accessKeyId }),
    );
    await deleteUser(a, [keyA.accessKeyId]);
    const d = await admin.createUser('dd', path);

    const second = await discoverNow(path);
    expect(second).toMatchObject({
      users: 3,
      accessKeys: 2,
      partial: false,
      first: false,
      baseline: { jobId: first.jobId },
      counts: { added: 1, removed: 1, changed: 3 },
    });
    expect(second.diff.added).toEqual([{ userName: d }]);
    expect(second.diff.removed).toEqual([{ userName: a }]);
    expect(second.diff.changed).toEqual(
      expect.arrayContaining([
        { userName: c, accessKeyId: keyC.accessKeyId, change: 'key_added', status: 'Active' },
        {
          userName: b,
          accessKeyId: keyB1.accessKeyId,
          change: 'key_status_changed',
          status: 'Inactive',
        },
        { userName: b, accessKeyId: keyB2.accessKeyId, change: 'key_removed' },
      ]),
    );
    const events = await engine.events.read({ limit: 1000 });
    expect(
      events.find((e) => e.type === 'discovery.completed' && e.jobId === second.jobId),
    ).toMatchObject({
      provider: 'main',
      detail: { partial: false, counts: { added: 1, removed: 1, changed: 3 } },
    });
  });

  it('marks managed keys, and shows the last discovery through the CLI and HTTP', async () => {
    const path = freshPath();
    const userName = await admin.createUser('dm', path);
    const key = await admin.createAccessKey(userName);
    await importAccount(
      { ...domain, gatewayFor: domain.clients.gatewayFor, verifierFor: domain.clients.verifierFor },
      parseAccountRef(`main/${userName}/access-key`),
      {},
      'test',
    );
    const run = await cli(['discover', 'main', '--path-prefix', path, '--wait', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const outcome = run.json<{ state: string; result: Result }>();
    expect(outcome).toMatchObject({
      state: 'completed',
      result: { users: 1, accessKeys: 1, managedAccessKeys: 1, partial: false },
    });
    expect(run.stderr).toMatch(/progress: .*"usersDone"/);
    const shown = await http('GET', '/v1/providers/main/discovery');
    expect(shown).toMatchObject({
      status: 200,
      body: { jobId: outcome.result.jobId, pathPrefix: path, managedAccessKeys: 1 },
    });
    expect(shown.body.oldestManagedKeyCreatedAt).toEqual(expect.any(String));
    expect(JSON.stringify(shown.body)).not.toContain(key.secretAccessKey);

    const posted = await http('POST', '/v1/providers/main/discover', { pathPrefix: path });
    expect(posted).toMatchObject({ status: 202, body: { queue: 'discovery' } });
    expect(
      await engine.finished({ queue: 'discovery', jobId: posted.body.jobId }, 60_000),
    ).toMatchObject({
      state: 'completed',
      result: { users: 1, first: false, counts: { added: 0, removed: 0, changed: 0 } },
    });
  });

  it('imports added users only from a complete discovery that is not the first (autoImport manage)', async () => {
    const path = freshPath();
    const early = await admin.createUser('de', path);
    await domain.providers.updatePolicy('main', { autoImport: 'manage' }, 'test');
    try {
      const first = await discoverNow(path);
      expect(first.autoImport).toBeUndefined();
      expect(
        await domain.accounts.get(parseAccountRef(`main/${early}/access-key`)),
      ).toBeUndefined();

      const late = await admin.createUser('dl', path);
      const lateKey = await admin.createAccessKey(late);
      const second = await discoverNow(path);
      expect(second.autoImport).toMatchObject({
        imported: [{ account: `main/${late}/access-key` }],
        skipped: [],
      });
      expect(await domain.accounts.get(parseAccountRef(`main/${late}/access-key`))).toMatchObject({
        currentAccessKeyId: lateKey.accessKeyId,
        status: 'managed',
      });
    } finally {
      await domain.providers.updatePolicy('main', { autoImport: 'off' }, 'test');
    }
  });

  it('refuses bad input with a clear error and enqueues nothing', async () => {
    const before = await engine.queues.get('discovery').count();
    const unknown = await cli(['discover', 'nope', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/provider "?nope"? /);
    const badPrefix = await cli(['discover', 'main', '--path-prefix', 'engineering', '--json']);
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toMatch(/pathPrefix: must be an IAM path prefix/);
    expect((await http('POST', '/v1/providers/nope/discover')).status).toBe(404);
    const bad = await http('POST', '/v1/providers/main/discover', { pathPrefix: 'x' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_payload' } } });
    const extra = await http('POST', '/v1/providers/main/discover', { path: '/x/' });
    expect(extra).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringMatching(/^body\.path: /) } },
    });
    expect((await http('GET', '/v1/providers/nope/discovery')).status).toBe(404);
    expect(await engine.queues.get('discovery').count()).toBe(before);
  });

  it('documents its routes and the heartbeat route in /docs', async () => {
    const openapi = (await app.inject({ url: '/docs/json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/providers/{id}/discover',
        '/v1/providers/{id}/discovery',
        '/v1/providers/{id}/accounts/{userName}/{kind}/heartbeat',
      ]),
    );
  });

  const noFaults = unsupportedOn({ moto: 'moto ignores MaxItems and injects no faults' });

  it.skipIf(noFaults.skip)(
    `finds every one of 2,500 users and their keys across short pages, one call per page and per user${noFaults.label}`,
    async () => {
      const big = await createSandbox({ seedUsers: 2500 });
      try {
        await addProvider(
          'big',
          { endpoint: big.endpoint, region: big.region, credentials: big.adminCredentials },
          1000,
        );
        big.faults.set({ maxPageItems: 100 });
        const result = await discoverNow('/', 'big');
        const log = big.requests();
        const listed = log
          .filter((r) => r.action === 'ListAccessKeys')
          .map((r) => r.params.UserName ?? '');
        const pages = log.filter((r) => r.action === 'ListUsers');
        expect(result).toMatchObject({ users: 2501, partial: false });
        expect(pages).toHaveLength(26);
        expect(new Set(listed).size).toBe(2501);
        expect(listed).toHaveLength(2501);
        const keys = listed.reduce(
          (sum, name) => sum + (big.user(name)?.accessKeys.length ?? 0),
          0,
        );
        expect(result.accessKeys).toBe(keys);
        expect(result.calls).toEqual({ ListUsers: 26, ListAccessKeys: 2501 });
      } finally {
        await big.close();
      }
    },
    // 2,527 calls at 1,000 req/s take seconds, more on a busy machine.
    120_000,
  );

  it.skipIf(noFaults.skip)(
    `a listing whose throttling outlasts its retries is partial: no removals, no import, not a baseline${noFaults.label}`,
    async () => {
      const sandbox = backend.current.sandbox;
      if (sandbox === undefined) {
        throw new Error('the sandbox backend has no sandbox handle');
      }
      const path = freshPath();
      const stays = await admin.createUser('ds', path);
      const goes = await admin.createUser('dg', path);
      const complete = await discoverNow(path);
      await deleteUser(goes, []);
      const added = await admin.createUser('dn', path);
      await domain.providers.updatePolicy('main', { autoImport: 'manage' }, 'test');
      try {
        sandbox.faults.set({
          errors: [{ action: 'ListAccessKeys', code: 'Throttling', times: 10_000 }],
        });
        const partial = await discoverNow(path);
        sandbox.faults.reset();
        expect(partial).toMatchObject({
          partial: true,
          incomplete: { reason: 'iam_throttled' },
          diff: { removed: [] },
          baseline: { jobId: complete.jobId },
        });
        expect(partial.diff.changed.filter((c) => c.change === 'key_removed')).toEqual([]);
        expect(partial.autoImport).toBeUndefined();
        expect((await http('GET', '/v1/providers/main/discovery')).body).toMatchObject({
          jobId: partial.jobId,
          partial: true,
        });
        sandbox.faults.set({
          errors: [{ action: 'ListAccessKeys', code: 'Throttling', times: 10_000 }],
        });
        const waited = await cli(['discover', 'main', '--path-prefix', path, '--wait', '--json']);
        sandbox.faults.reset();
        expect(waited.code).toBe(1);

        const after = await discoverNow(path);
        expect(after).toMatchObject({
          partial: false,
          baseline: { jobId: complete.jobId },
          diff: { added: [{ userName: added }], removed: [{ userName: goes }] },
          autoImport: { imported: [{ account: `main/${added}/access-key` }] },
        });
        expect(after.users).toBe(2);
        expect(stays).toBeTruthy();
      } finally {
        sandbox.faults.reset();
        await domain.providers.updatePolicy('main', { autoImport: 'off' }, 'test');
      }
    },
    // Two listings spend their retries (about 4 s each) before they stop.
    60_000,
  );
});

/**
 * Heartbeats end to end on a real Redis and IAM backend: each verdict from the cause a test sets
 * up in IAM or the vault, what an in-sync key costs, a throttled read, `iam-pam heartbeat`, the
 * HTTP route and `account show`. The provider signs with a principal of its own, so the request
 * log shows its calls apart from the test's setup. Most access-key verdicts need STS to check
 * keys and secrets, which moto does not (it answers for any key), so they run on the sandbox.
 * (`rotation_in_progress` needs an open rotation journal: the unit test sets one up.)
 */
import { randomBytes } from 'node:crypto';

import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type AccountRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import type { Verdict } from '../../src/jobs/heartbeat/verdicts.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { custom } from '../support/domain.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin, type Principal } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const masterKey = randomBytes(32).toString('base64');
const TOKEN = 'heartbeat-admin-token-0001';
const engine = useEngine({
  createJobs: createProductionJobs,
  env: { IAM_PAM_MASTER_KEY: masterKey, IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin` },
});
const backend = useIamBackend();
const cli = createCliRunner({ ...engine.redis.env, IAM_PAM_MASTER_KEY: masterKey });
let admin: IamAdmin;
let domain: Domain;
let principal: Principal;
let api: ApiRuntime;
let app: FastifyInstance;
/** The request-log windows of every heartbeat run here (sandbox): reads only, checked last. */
const windows: Array<[number, number]> = [];
/** Every secret the tests handed to iam-pam: none may be readable in Redis (checked last). */
const secrets: string[] = [];

const stsChecks = unsupportedOn({
  moto: 'moto’s STS answers for any key, deleted, Inactive or with a wrong secret',
});
const policies = unsupportedOn({ moto: 'moto does not enforce IAM policies' });
const sandboxOnly = unsupportedOn({ moto: 'moto has no request log and injects no faults' });

interface Managed {
  userName: string;
  ref: AccountRef;
  key?: { accessKeyId: string; secretAccessKey: string };
}

async function manage(
  kind: 'access-key' | 'password',
  options: { adopt?: boolean; loginProfile?: boolean } = {},
): Promise<Managed> {
  const userName = await admin.createUser('hb');
  const ref = parseAccountRef(`main/${userName}/${kind}`);
  const deps = {
    ...domain,
    gatewayFor: domain.clients.gatewayFor,
    verifierFor: domain.clients.verifierFor,
  };
  if (kind === 'access-key') {
    const key = await admin.createAccessKey(userName);
    secrets.push(key.secretAccessKey);
    await importAccount(deps, ref, options.adopt === false ? {} : { adoptSecret: key }, 'test');
    return { userName, ref, key };
  }
  const password = `Pw-${randomBytes(9).toString('base64url')}-1a!`;
  secrets.push(password);
  if (options.loginProfile !== false) {
    await admin.client.send(
      new CreateLoginProfileCommand({ UserName: userName, Password: password }),
    );
  }
  await importAccount(deps, ref, options.adopt ? { adoptSecret: { password } } : {}, 'test');
  return { userName, ref };
}

interface HeartbeatResult {
  account: string;
  verdict: Verdict;
  detail: string;
  foreignKeys?: Array<{ accessKeyId: string }>;
}

async function heartbeatOf(account: Managed): Promise<HeartbeatResult> {
  const sandbox = backend.current.sandbox;
  const from = sandbox?.requests().at(-1)?.seq ?? 0;
  const job = await engine.enqueue(heartbeat, account.ref);
  const status = await engine.finished(job, 30_000);
  expect(status.state, status.failedReason).toBe('completed');
  windows.push([from, sandbox?.requests().at(-1)?.seq ?? 0]);
  return status.result as HeartbeatResult;
}

async function http(method: 'GET' | 'POST', url: string) {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return {
    status: response.statusCode,
    body: JSON.parse(response.body || '{}') as Record<string, any>,
  };
}

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  principal = await admin.createPrincipal('pam', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  await domain.providers.put(
    'main',
    {
      region: backend.current.region,
      ...(backend.current.endpoint ? { endpoints: { iam: backend.current.endpoint } } : {}),
      credential: custom(principal.credentials),
      maxRps: 200,
    },
    'test',
  );
  api = await startApiRuntime({ config: engine.config, log: engine.log, listen: false });
  app = api.app;
});

afterAll(async () => {
  await api?.close();
  domain?.close();
  await admin?.cleanup();
});

describe(`heartbeat on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('says in_sync for a working key, and records it on the account', async () => {
    const account = await manage('access-key');
    const result = await heartbeatOf(account);
    expect(result).toMatchObject({
      verdict: 'in_sync',
      account: `main/${account.userName}/access-key`,
    });
    expect(JSON.stringify(result)).not.toContain(account.key?.secretAccessKey);
    const shown = await cli(['account', 'show', `main/${account.userName}/access-key`, '--json']);
    expect(shown.json()).toMatchObject({
      status: 'managed',
      lastHeartbeat: { verdict: 'in_sync', at: expect.any(String) },
    });
  });

  it.skipIf(sandboxOnly.skip)(
    `proves an in-sync key with exactly one STS call and one IAM call${sandboxOnly.label}`,
    async () => {
      const account = await manage('access-key');
      await heartbeatOf(account);
      const [from, to] = windows.at(-1) ?? [0, 0];
      const calls = (backend.current.sandbox?.requests(from) ?? [])
        .filter((r) => r.seq <= to)
        .map((r) => [r.action, r.accessKeyId]);
      expect(calls).toEqual([
        ['GetCallerIdentity', account.key?.accessKeyId],
        ['ListAccessKeys', principal.credentials.accessKeyId],
      ]);
    },
  );

  it('says foreign_key_present for a second key we do not manage', async () => {
    const account = await manage('access-key');
    const foreign = await admin.createAccessKey(account.userName);
    const result = await heartbeatOf(account);
    expect(result).toMatchObject({
      verdict: 'foreign_key_present',
      foreignKeys: [{ accessKeyId: foreign.accessKeyId, status: 'Active' }],
    });
  });

  it('says secret_unknown for a key imported without its secret', async () => {
    const account = await manage('access-key', { adopt: false });
    expect(await heartbeatOf(account)).toMatchObject({ verdict: 'secret_unknown' });
  });

  it.skipIf(stsChecks.skip)(
    `says secret_invalid when the vault’s secret is not the key’s${stsChecks.label}`,
    async () => {
      const account = await manage('access-key');
      await domain.vault.put(
        `main/${account.userName.toLowerCase()}/access-key`,
        'current',
        {
          accessKeyId: account.key?.accessKeyId ?? '',
          secretAccessKey: 'not-the-secret-of-this-key-000000000000',
        },
        { actor: 'test' },
      );
      expect(await heartbeatOf(account)).toMatchObject({ verdict: 'secret_invalid' });
    },
  );

  it.skipIf(stsChecks.skip)(
    `says key_inactive for a deactivated key${stsChecks.label}`,
    async () => {
      const account = await manage('access-key');
      await admin.client.send(
        new UpdateAccessKeyCommand({
          UserName: account.userName,
          AccessKeyId: account.key?.accessKeyId,
          Status: 'Inactive',
        }),
      );
      expect(await heartbeatOf(account)).toMatchObject({ verdict: 'key_inactive' });
    },
  );

  it.skipIf(stsChecks.skip)(
    `says key_missing for a deleted key, and iam-pam heartbeat exits 1${stsChecks.label}`,
    async () => {
      const account = await manage('access-key');
      await admin.client.send(
        new DeleteAccessKeyCommand({
          UserName: account.userName,
          AccessKeyId: account.key?.accessKeyId,
        }),
      );
      const run = await cli([
        'heartbeat',
        `main/${account.userName}/access-key`,
        '--wait',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.json()).toMatchObject({ state: 'completed', result: { verdict: 'key_missing' } });
      const events = await engine.events.read({ limit: 1000 });
      expect(
        events.find(
          (e) =>
            e.type === 'heartbeat.verdict' && e.account === `main/${account.userName}/access-key`,
        ),
      ).toMatchObject({
        detail: { verdict: 'key_missing', accessKeyId: account.key?.accessKeyId },
      });
      expect(await domain.accounts.get(account.ref)).toMatchObject({ status: 'needs_attention' });
    },
  );

  it.skipIf(stsChecks.skip)(`says user_missing for a deleted user${stsChecks.label}`, async () => {
    const account = await manage('access-key');
    await admin.client.send(
      new DeleteAccessKeyCommand({
        UserName: account.userName,
        AccessKeyId: account.key?.accessKeyId,
      }),
    );
    await admin.client.send(new DeleteUserCommand({ UserName: account.userName }));
    expect(await heartbeatOf(account)).toMatchObject({ verdict: 'user_missing' });
  });

  it('says user_recreated for a user deleted and created again', async () => {
    const account = await manage('access-key');
    await admin.client.send(
      new DeleteAccessKeyCommand({
        UserName: account.userName,
        AccessKeyId: account.key?.accessKeyId,
      }),
    );
    await admin.client.send(new DeleteUserCommand({ UserName: account.userName }));
    await admin.client.send(
      new CreateUserCommand({ UserName: account.userName, Path: backend.current.userPath }),
    );
    await admin.createAccessKey(account.userName);
    expect(await heartbeatOf(account)).toMatchObject({ verdict: 'user_recreated' });
  });

  it.skipIf(policies.skip)(
    `says provider_denied when the provider's principal may not list keys${policies.label}`,
    async () => {
      const account = await manage('access-key');
      await admin.putUserPolicy(principal.userName, 'deny-list-keys', [
        { Effect: 'Deny', Action: 'iam:ListAccessKeys', Resource: '*' },
      ]);
      try {
        expect(await heartbeatOf(account)).toMatchObject({
          verdict: 'provider_denied',
          detail: expect.stringMatching(/iam:ListAccessKeys/),
        });
      } finally {
        await admin.client.send(
          new DeleteUserPolicyCommand({
            UserName: principal.userName,
            PolicyName: 'deny-list-keys',
          }),
        );
      }
    },
  );

  it('password: in_sync for an adopted one, saying its value cannot be verified', async () => {
    const account = await manage('password', { adopt: true });
    const result = await heartbeatOf(account);
    expect(result.verdict).toBe('in_sync');
    expect(result.detail).toMatch(/adopted .*cannot verify a password/);
  });

  it('password: secret_unknown without one in the vault, login_profile_missing without a profile', async () => {
    expect(await heartbeatOf(await manage('password'))).toMatchObject({
      verdict: 'secret_unknown',
    });
    expect(await heartbeatOf(await manage('password', { loginProfile: false }))).toMatchObject({
      verdict: 'login_profile_missing',
    });
  });

  it('password: user_missing and user_recreated', async () => {
    const gone = await manage('password', { loginProfile: false });
    await admin.client.send(new DeleteUserCommand({ UserName: gone.userName }));
    expect(await heartbeatOf(gone)).toMatchObject({ verdict: 'user_missing' });
    await admin.client.send(
      new CreateUserCommand({ UserName: gone.userName, Path: backend.current.userPath }),
    );
    expect(await heartbeatOf(gone)).toMatchObject({ verdict: 'user_recreated' });
  });

  it.skipIf(sandboxOnly.skip)(
    `a throttled ListAccessKeys gives no verdict: the job is delayed and then says in_sync${sandboxOnly.label}`,
    async () => {
      const sandbox = backend.current.sandbox;
      const account = await manage('access-key');
      sandbox?.faults.set({ errors: [{ action: 'ListAccessKeys', code: 'Throttling', times: 1 }] });
      const job = await engine.enqueue(heartbeat, account.ref);
      const status = await engine.finished(job, 30_000);
      sandbox?.faults.reset();
      expect(status).toMatchObject({
        state: 'completed',
        attemptsMade: 1,
        result: { verdict: 'in_sync' },
      });
      const throttled = sandbox
        ?.requests()
        .filter((r) => r.action === 'ListAccessKeys' && r.code === 'Throttling');
      expect(throttled).toHaveLength(1);
      const events = await engine.events.read({ limit: 1000 });
      expect(events.filter((e) => e.account === `main/${account.userName}/access-key`)).toEqual([]);
    },
  );

  it('refuses unknown accounts and malformed references, enqueuing nothing', async () => {
    const before = await engine.queues.get('heartbeat').count();
    const unknown = await cli(['heartbeat', 'main/nobody/access-key']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/main\/nobody\/access-key is not managed/);
    expect((await cli(['heartbeat', 'main/nobody'])).code).toBe(2);
    expect((await cli(['heartbeat', 'ghost/nobody/access-key'])).code).toBe(2);
    expect(
      (await http('POST', '/v1/providers/main/accounts/nobody/access-key/heartbeat')).status,
    ).toBe(404);
    expect(
      (await http('POST', '/v1/providers/main/accounts/nobody/secret-key/heartbeat')).status,
    ).toBe(400);
    expect(await engine.queues.get('heartbeat').count()).toBe(before);
  });

  it('runs from POST …/heartbeat, and GET …/accounts/… shows the last verdict', async () => {
    const account = await manage('access-key');
    const url = `/v1/providers/main/accounts/${account.userName}/access-key`;
    const posted = await http('POST', `${url}/heartbeat`);
    expect(posted).toMatchObject({ status: 202, body: { queue: 'heartbeat' } });
    await engine.finished({ queue: 'heartbeat', jobId: posted.body.jobId as string }, 30_000);
    expect((await http('GET', url)).body).toMatchObject({
      status: 'managed',
      lastHeartbeat: { verdict: 'in_sync' },
    });
  });

  it.skipIf(sandboxOnly.skip)(
    `never changes AWS: every heartbeat above made reads only${sandboxOnly.label}`,
    () => {
      const reads = new Set(['GetCallerIdentity', 'GetUser', 'ListAccessKeys', 'GetLoginProfile']);
      const sandbox = backend.current.sandbox;
      const sent = windows.flatMap(([from, to]) =>
        (sandbox?.requests(from) ?? []).filter(
          (r) => r.seq <= to && r.accessKeyId !== backend.current.credentials.accessKeyId,
        ),
      );
      expect(sent.length).toBeGreaterThan(20);
      expect(sent.filter((r) => !reads.has(r.action ?? ''))).toEqual([]);
    },
  );

  it('leaves no secret readable in Redis: job data, results, events and records carry none', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    expect(await scanForSecrets(engine.redis.redis, engine.redis.prefix, secrets)).toEqual([]);
  });
});

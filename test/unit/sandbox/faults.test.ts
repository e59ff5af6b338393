/**
 * The sandbox's fault injection through its admin API and handles: latency, throttling,
 * failures, the per-account rate ceiling, injected errors, short pages, dropped and held
 * responses, requests held before they are authenticated (with the SDK retrying on its own),
 * and switches that turn themselves off.
 */
import { spawn } from 'node:child_process';

import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { createSandbox } from '../../../src/sandbox/create-sandbox.ts';
import { clients, useSandbox } from './sandbox-harness.ts';

const harness = useSandbox({ seedUsers: 30, seed: 'faults' });

afterEach(() => {
  harness.current.sandbox.faults.reset();
});

const put = (faults: unknown) =>
  harness.current.admin('/faults', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });

describe('sandbox faults', () => {
  it('are set with PUT /_sandbox/faults, read back with GET, and validated', async () => {
    const set = await put({ latencyMs: 5, throttleRate: 0.25, holdAfter: [{ action: 'TagUser' }] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      latencyMs: 5,
      throttleRate: 0.25,
      failureRate: 0,
      maxRps: null,
      holdAfter: [{ action: 'TagUser', times: 1 }],
      dropResponse: [],
    });
    expect((await harness.current.admin('/faults')).body).toEqual(set.body);
    const unknownAction = await put({ dropResponse: [{ action: 'CreateAccesKey' }] });
    expect(unknownAction.status).toBe(400);
    expect(JSON.stringify(unknownAction.body)).toContain('unknown action');
    expect((await put({ throttleRate: 2 })).status).toBe(400);
    expect((await put({ bogus: true })).status).toBe(400);
    const notJson = await harness.current.admin('/faults', { method: 'PUT', body: '{' });
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
  });

  it('add latency to every call', async () => {
    harness.current.sandbox.faults.set({ latencyMs: 150 });
    const started = performance.now();
    await harness.current.sts.send(new GetCallerIdentityCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answer a fraction of calls with Throttling 400 or ServiceFailure 500', async () => {
    const { sandbox, iamOnce } = harness.current;
    sandbox.faults.set({ throttleRate: 1 });
    expect(await awsError(iamOnce.send(new ListUsersCommand({})))).toMatchObject({
      name: 'Throttling',
      status: 400,
      message: 'Rate exceeded',
      fault: 'client',
    });
    sandbox.faults.set({ failureRate: 1 });
    expect(await awsError(iamOnce.send(new ListUsersCommand({})))).toMatchObject({
      name: 'ServiceFailureException',
      status: 500,
      fault: 'server',
    });
  });

  it('cap requests per second per account with Throttling, counted in the request log', async () => {
    // A frozen clock puts every request in the same second, however slow the machine is.
    const frozen = Date.now();
    const sandbox = await createSandbox({ clock: () => frozen });
    const { iam } = clients(sandbox, sandbox.adminCredentials, 1);
    sandbox.faults.set({ maxRps: 5 });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        iam.send(new ListUsersCommand({ MaxItems: 1 })).then(
          () => 'ok',
          (err: { name: string }) => err.name,
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r === 'Throttling')).toHaveLength(7);
    const logged = sandbox.requests();
    expect(logged.filter((e) => e.code === 'Throttling')).toHaveLength(7);
    expect(logged.every((e) => e.accountId === sandbox.accountId)).toBe(true);
    iam.destroy();
    await sandbox.close();
  });

  it('inject a chosen AWS error, then switch themselves off after `times`', async () => {
    const { sandbox, iamOnce } = harness.current;
    sandbox.faults.set({
      errors: [{ action: 'GetUser', code: 'ConcurrentModification', times: 2 }],
    });
    const get = () => iamOnce.send(new GetUserCommand({ UserName: 'sandbox-admin' }));
    for (let i = 0; i < 2; i++) {
      expect(await awsError(get())).toMatchObject({
        name: 'ConcurrentModificationException',
        status: 409,
      });
    }
    expect((await get()).User?.UserName).toBe('sandbox-admin');
    expect(sandbox.faults.get().errors).toEqual([]);
    const expected = {
      Throttling: ['Throttling', 400],
      ServiceFailure: ['ServiceFailureException', 500],
      ConcurrentModification: ['ConcurrentModificationException', 409],
      EntityTemporarilyUnmodifiable: ['EntityTemporarilyUnmodifiableException', 409],
      InternalFailure: ['InternalFailure', 500],
      ServiceUnavailable: ['ServiceUnavailable', 503],
    } as const;
    for (const [code, [name, status]] of Object.entries(expected)) {
      sandbox.faults.set({ errors: [{ action: 'GetUser', code: code as keyof typeof expected }] });
      expect(await awsError(get())).toMatchObject({ name, status });
    }
  });

  it('return short pages that the paginator still follows to the end', async () => {
    const { sandbox, iam } = harness.current;
    sandbox.faults.set({ maxPageItems: 7 });
    const first = await iam.send(new ListUsersCommand({ MaxItems: 100 }));
    expect(first.Users).toHaveLength(7);
    expect(first.IsTruncated).toBe(true);
    let total = 0;
    for await (const page of paginateListUsers({ client: iam }, {})) {
      total += page.Users?.length ?? 0;
    }
    expect(total).toBe(31); // 30 seeded + the bootstrap admin
  });

  it('drop a response after applying the action; the SDK retries by itself', async () => {
    const { sandbox, iam } = harness.current;
    await iam.send(new CreateUserCommand({ UserName: 'dropped-response' }));
    sandbox.faults.set({ dropResponse: [{ action: 'CreateAccessKey' }] });
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: 'dropped-response' }));
    expect(out.$metadata.attempts).toBe(2);
    // The lost first attempt created a key too: the hazard DESIGN.md's invariant 4 guards against.
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'dropped-response' }));
    expect(keys.AccessKeyMetadata).toHaveLength(2);
    const attempts = sandbox.requests(since).filter((e) => e.action === 'CreateAccessKey');
    expect(attempts.map((e) => [e.attempt, e.status, e.dropped])).toEqual([
      [1, 200, true],
      [2, 200, undefined],
    ]);
    expect(sandbox.faults.get().dropResponse).toEqual([]);
  });

  it('hold a response after applying the action until it is released', async () => {
    const { sandbox, iam, admin } = harness.current;
    await iam.send(new CreateUserCommand({ UserName: 'held-response' }));
    sandbox.faults.set({ holdAfter: [{ action: 'CreateAccessKey' }] });
    let settled = false;
    const call = iam
      .send(new CreateAccessKeyCommand({ UserName: 'held-response' }))
      .finally(() => (settled = true));
    const held = await sandbox.waitForRequest(
      (e) => e.action === 'CreateAccessKey' && e.held === true,
    );
    // Applied already, answer not sent.
    expect(sandbox.user('held-response')?.accessKeys).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect((await admin(`/requests?since=${held.seq - 1}`)).body).toEqual([
      expect.objectContaining({
        seq: held.seq,
        action: 'CreateAccessKey',
        held: true,
        status: 200,
      }),
    ]);
    expect(await admin(`/release/${held.seq}`, { method: 'POST' })).toEqual({
      status: 200,
      body: { released: held.seq },
    });
    const out = await call;
    expect(out.AccessKey?.AccessKeyId).toBe(
      sandbox.user('held-response')?.accessKeys[0]?.accessKeyId,
    );
    expect(sandbox.requests(held.seq - 1)[0]?.held).toBe(false);
    expect((await admin(`/release/${held.seq}`, { method: 'POST' })).status).toBe(404);
  });
});

describe('a held response and a killed client', () => {
  it('hold a request before authenticating it: a key deactivated meanwhile refuses it on release', async () => {
    const { sandbox, iam } = harness.current;
    await iam.send(new CreateUserCommand({ UserName: 'held-request' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'held-request' }));
    const key = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    const own = new STSClient({
      region: 'us-east-1',
      endpoint: sandbox.endpoint,
      credentials: key,
      maxAttempts: 1,
      customUserAgent: [['held-caller', '7']],
    });
    sandbox.faults.set({ holdBefore: [{ action: 'GetCallerIdentity' }] });
    let settled = false;
    const call = own.send(new GetCallerIdentityCommand({})).finally(() => (settled = true));
    const held = await sandbox.waitForRequest(
      (e) => e.action === 'GetCallerIdentity' && e.held === true,
    );
    expect(held).toMatchObject({ accessKeyId: key.accessKeyId, status: null, accountId: null });
    expect(held.userAgent).toContain('held-caller/7');
    // Not yet authenticated: the key is deactivated while the request waits.
    sandbox.asAdmin('UpdateAccessKey', {
      UserName: 'held-request',
      AccessKeyId: key.accessKeyId,
      Status: 'Inactive',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect(sandbox.faults.get().holdBefore).toEqual([]); // one use, then off
    expect(sandbox.release(held.seq)).toBe(true);
    expect(await awsError(call)).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(sandbox.requests(held.seq - 1)[0]).toMatchObject({ held: false, status: 403 });
    expect(sandbox.release(held.seq)).toBe(false);
    own.destroy();
  });

  it('lets a test SIGKILL the caller at a known point; release afterwards is harmless', async () => {
    const { sandbox, iam } = harness.current;
    await iam.send(new CreateUserCommand({ UserName: 'killed-worker' }));
    sandbox.faults.set({ holdAfter: [{ action: 'CreateAccessKey' }] });
    const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
    const script = `
      import { IAMClient, CreateAccessKeyCommand } from '@aws-sdk/client-iam';
      const iam = new IAMClient({ region: 'us-east-1', endpoint: '${sandbox.endpoint}',
        credentials: { accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' } });
      await iam.send(new CreateAccessKeyCommand({ UserName: 'killed-worker' }));
      console.log('answered');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );
    const held = await sandbox.waitForRequest(
      (e) => e.action === 'CreateAccessKey' && e.held === true,
      { timeoutMs: 20_000 },
    );
    child.kill('SIGKILL');
    expect(await ended).toBe('SIGKILL');
    expect(stdout).toBe('');
    // The key was created before the caller died; its secret is lost with the answer.
    expect(sandbox.user('killed-worker')?.accessKeys).toHaveLength(1);
    expect(sandbox.release(held.seq)).toBe(true);
    expect(
      (await iam.send(new ListAccessKeysCommand({ UserName: 'killed-worker' }))).AccessKeyMetadata,
    ).toHaveLength(1);
  });
});

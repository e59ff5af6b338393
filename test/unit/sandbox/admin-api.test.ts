/**
 * The sandbox's admin API and handles: the request log (and that it never holds a secret),
 * a user's whole state, reset, loopback-only access; plus seeding and the sandbox clock.
 */
import { networkInterfaces } from 'node:os';

import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListUsersCommand,
  TagUserCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

import type { RequestLogEntry } from '../../../src/sandbox/admin/request-log.ts';
import { isLoopback } from '../../../src/sandbox/admin/admin-routes.ts';
import { createSandbox } from '../../../src/sandbox/create-sandbox.ts';
import { awsError } from '../../support/aws-errors.ts';
import { clients, useSandbox } from './sandbox-harness.ts';

const harness = useSandbox({ seedUsers: 10, seed: 'admin-api' });

const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe('the sandbox request log', () => {
  it('records every request with seq, time, account, key, action, params, status, code and user agent', async () => {
    const { sandbox, iam, iamOnce, admin } = harness.current;
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    await iam.send(new ListUsersCommand({ MaxItems: 3, PathPrefix: '/' }));
    await awsError(iamOnce.send(new CreateUserCommand({ UserName: 'bad name!' })));
    const unknown = clients(
      sandbox,
      { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' },
      1,
    );
    await awsError(unknown.sts.send(new GetCallerIdentityCommand({})));
    const { body } = await admin(`/requests?since=${since}`);
    expect(body).toEqual([
      {
        seq: since + 1,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        accountId: sandbox.accountId,
        accessKeyId: sandbox.adminCredentials.accessKeyId,
        action: 'ListUsers',
        params: { MaxItems: '3', PathPrefix: '/' },
        status: 200,
        code: null,
        attempt: 1,
        userAgent: expect.stringMatching(/^aws-sdk-js\/3\./),
      },
      expect.objectContaining({
        seq: since + 2,
        action: 'CreateUser',
        params: { UserName: 'bad name!' },
        status: 400,
        code: 'ValidationError',
      }),
      expect.objectContaining({
        seq: since + 3,
        accountId: null,
        accessKeyId: 'AKIAUNKNOWNKEY000000',
        action: 'GetCallerIdentity',
        status: 403,
        code: 'InvalidClientTokenId',
      }),
    ]);
    expect(((await admin(`/requests?since=${since + 2}`)).body as unknown[]).length).toBe(1);
    expect((await admin('/requests?since=x')).status).toBe(400);
    unknown.iam.destroy();
    unknown.sts.destroy();
  });

  it('never holds a password, secret key or session token', async () => {
    const { sandbox, iam, sts } = harness.current;
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    await iam.send(new CreateUserCommand({ UserName: 'secretive' }));
    const passwords = ['Very-Secret-Pw-1', 'Even-More-Secret-2'];
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'secretive', Password: passwords[0] }),
    );
    await iam.send(
      new UpdateLoginProfileCommand({ UserName: 'secretive', Password: passwords[1] }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'secretive' }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'log-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: sandbox.accountId }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const session = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${sandbox.accountId}:role/log-role`,
        RoleSessionName: 'log',
      }),
    );
    const temporary = clients(sandbox, {
      accessKeyId: session.Credentials?.AccessKeyId ?? '',
      secretAccessKey: session.Credentials?.SecretAccessKey ?? '',
      sessionToken: session.Credentials?.SessionToken ?? '',
    });
    await temporary.sts.send(new GetCallerIdentityCommand({}));
    temporary.iam.destroy();
    temporary.sts.destroy();

    const log = JSON.stringify(sandbox.requests(since));
    const secrets = [
      ...passwords,
      key.AccessKey?.SecretAccessKey ?? '-',
      session.Credentials?.SecretAccessKey ?? '-',
      session.Credentials?.SessionToken ?? '-',
      sandbox.adminCredentials.secretAccessKey,
    ];
    for (const secret of secrets) {
      expect(log).not.toContain(secret);
    }
    const update = sandbox.requests(since).find((e) => e.action === 'UpdateLoginProfile');
    expect(update?.params).toEqual({ UserName: 'secretive' });
  });

  it('keeps at most its capacity, newest last', async () => {
    const small = await createSandbox({ requestLogCapacity: 5 });
    const { sts } = clients(small, small.adminCredentials);
    for (let i = 0; i < 8; i++) {
      await sts.send(new GetCallerIdentityCommand({}));
    }
    expect(small.requests().map((e: RequestLogEntry) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    sts.destroy();
    await small.close();
  });
});

describe('the sandbox admin API', () => {
  it("shows a user's whole state, password and secrets included", async () => {
    const { sandbox, iam, admin } = harness.current;
    await iam.send(new CreateUserCommand({ UserName: 'a+b@example.com', Path: '/people/' }));
    await iam.send(
      new TagUserCommand({ UserName: 'a+b@example.com', Tags: [{ Key: 'team', Value: 'x' }] }),
    );
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'a+b@example.com', Password: 'Shown-To-Tests-1' }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'a+b@example.com' }));
    const { status, body } = await admin(`/users/${encodeURIComponent('A+B@example.com')}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      userName: 'a+b@example.com',
      path: '/people/',
      arn: `arn:aws:iam::${sandbox.accountId}:user/people/a+b@example.com`,
      tags: [{ key: 'team', value: 'x' }],
      loginProfile: { password: 'Shown-To-Tests-1', passwordResetRequired: false },
      accessKeys: [
        {
          accessKeyId: key.AccessKey?.AccessKeyId,
          secretAccessKey: key.AccessKey?.SecretAccessKey,
          status: 'Active',
          lastUsed: null,
        },
      ],
    });
    expect(await admin('/users/nobody-here')).toMatchObject({ status: 404 });
    expect(await admin('/nothing')).toMatchObject({ status: 404 });
  });

  it('resets to the start-up state: seeded users, the same admin key, no faults, empty log', async () => {
    const fresh = await createSandbox({ seedUsers: 5, seed: 'reset' });
    const { iam } = clients(fresh, fresh.adminCredentials);
    const list = async () =>
      (await iam.send(new ListUsersCommand({}))).Users?.map((u) => [u.UserName, u.UserId]);
    const before = await list();
    await iam.send(new CreateUserCommand({ UserName: 'made-after-start' }));
    fresh.faults.set({ latencyMs: 1 });
    const lastSeq = fresh.requests().at(-1)?.seq ?? 0;
    const response = await fetch(`${fresh.adminEndpoint}/reset`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(fresh.requests()).toEqual([]);
    expect(fresh.faults.get().latencyMs).toBe(0);
    const after = await list();
    // Seeded users come back identical; the admin is recreated with a new id but the same key.
    expect(after?.filter(([name]) => name !== 'sandbox-admin')).toEqual(
      before?.filter(([name]) => name !== 'sandbox-admin'),
    );
    expect(after?.map(([name]) => name)).not.toContain('made-after-start');
    expect(fresh.requests()[0]?.seq).toBe(lastSeq + 1);
    iam.destroy();
    await fresh.close();
  });

  it('answers loopback callers only', async () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['192.0.2.2', '::ffff:10.0.0.1', undefined].map(isLoopback)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it.skipIf(externalAddress === undefined)(
    `refuses the admin API to a non-loopback caller while serving IAM to it${externalAddress === undefined ? ' [skipped: this machine has no non-loopback IPv4 interface]' : ''}`,
    async () => {
      const open = await createSandbox({ host: '0.0.0.0' });
      const url = `http://${externalAddress ?? ''}:${open.port}`;
      const admin = await fetch(`${url}/_sandbox/faults`);
      expect(admin.status).toBe(403);
      const { sts } = clients({ ...open, endpoint: url }, open.adminCredentials);
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(open.accountId);
      sts.destroy();
      await open.close();
    },
  );
});

describe('the sandbox clock', () => {
  it('drives the Date header, so the SDK corrects its clock and retries on its own', async () => {
    const ahead = await createSandbox({ clock: () => Date.now() + 20 * 60_000 });
    const { sts } = clients(ahead, ahead.adminCredentials);
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    expect(ahead.requests().map((e) => e.code)).toEqual(['SignatureDoesNotMatch', null]);
    sts.destroy();
    await ahead.close();
  });

  it('expires session credentials with ExpiredToken 403', async () => {
    let now = Date.now();
    const timed = await createSandbox({ clock: () => now });
    const { iam, sts } = clients(timed, timed.adminCredentials);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'short',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: timed.accountId }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const session = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${timed.accountId}:role/short`,
        RoleSessionName: 'short',
        DurationSeconds: 900,
      }),
    );
    const credentials = {
      accessKeyId: session.Credentials?.AccessKeyId ?? '',
      secretAccessKey: session.Credentials?.SecretAccessKey ?? '',
      sessionToken: session.Credentials?.SessionToken ?? '',
    };
    const temporary = clients(timed, credentials, 1);
    await temporary.sts.send(new GetCallerIdentityCommand({}));
    // 15 minutes and a second later; the client's clock moves along so its signature is current.
    now += 901_000;
    const later = new STSClient({
      region: 'us-east-1',
      endpoint: timed.endpoint,
      credentials,
      maxAttempts: 1,
      systemClockOffset: 901_000,
    });
    expect(await awsError(later.send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'ExpiredToken',
      status: 403,
      message: 'The security token included in the request is expired',
    });
    later.destroy();
    for (const c of [iam, sts, temporary.iam, temporary.sts]) {
      c.destroy();
    }
    await timed.close();
  });
});

describe('the users-per-account quota', () => {
  it('refuses CreateUser past it with LimitExceeded 409 (AWS: 5000; lowered here)', async () => {
    const small = await createSandbox({ usersPerAccount: 3 });
    const { iam } = clients(small, small.adminCredentials, 1);
    await iam.send(new CreateUserCommand({ UserName: 'one' }));
    await iam.send(new CreateUserCommand({ UserName: 'two' }));
    expect(await awsError(iam.send(new CreateUserCommand({ UserName: 'three' })))).toMatchObject({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for UsersPerAccount: 3',
    });
    iam.destroy();
    await small.close();
  });
});

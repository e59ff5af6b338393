/**
 * Conformance: STS — GetCallerIdentity, AssumeRole against trust policies (principals and
 * sts:ExternalId), temporary credentials, and the one endpoint serving IAM and STS.
 */
import { GetRoleCommand, GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { backend, admin } = useIamAdmin();

const trustChecked = unsupportedOn({
  moto: 'moto assumes any role for anyone: it checks neither the trust policy, ExternalId nor that the role exists',
});
const sessions = unsupportedOn({
  moto: 'moto accepts any session token and applies no role permissions',
});
const stsValidation = unsupportedOn({ moto: 'moto does not validate RoleSessionName' });

const assumable = (principalArn: string, externalId?: string) => [
  {
    Effect: 'Allow',
    Principal: { AWS: principalArn },
    Action: 'sts:AssumeRole',
    ...(externalId === undefined
      ? {}
      : { Condition: { StringEquals: { 'sts:ExternalId': externalId } } }),
  },
];

function sessionClients(
  credentials:
    { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } | undefined,
) {
  const common = {
    region: backend.current.region,
    endpoint: backend.current.endpoint,
    maxAttempts: 1,
    credentials: {
      accessKeyId: credentials?.AccessKeyId ?? '',
      secretAccessKey: credentials?.SecretAccessKey ?? '',
      sessionToken: credentials?.SessionToken ?? '',
    },
  };
  return { iam: new IAMClient(common), sts: new STSClient(common) };
}

describe(`STS on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('assumes a role that trusts the caller, with ExternalId, and returns temporary ASIA credentials', async () => {
    const principal = await admin.createPrincipal('conf-assumer', [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
    ]);
    const role = await admin.createRole('conf-role', assumable(principal.arn, 'ext-42'), [
      { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
    ]);
    const out = await principal.sts.send(
      new AssumeRoleCommand({
        RoleArn: role.arn,
        RoleSessionName: 'rotation',
        ExternalId: 'ext-42',
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(out.AssumedRoleUser?.Arn).toMatch(
      new RegExp(`^arn:aws:sts::\\d{12}:assumed-role/${role.roleName}/rotation$`),
    );
    const roleId = (await admin.client.send(new GetRoleCommand({ RoleName: role.roleName }))).Role
      ?.RoleId;
    expect(out.AssumedRoleUser?.AssumedRoleId).toBe(`${roleId}:rotation`);
  });

  it.skipIf(sessions.skip)(
    `accepts the session's credentials, with the role's permissions and identity${sessions.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-session', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ]);
      const role = await admin.createRole('conf-sessrole', assumable(principal.arn), [
        { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
      ]);
      const out = await principal.sts.send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'worker-1' }),
      );
      const session = sessionClients(out.Credentials);
      const identity = await session.sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe(out.AssumedRoleUser?.Arn);
      expect(identity.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
      await session.iam.send(new ListUsersCommand({ MaxItems: 1 }));
      // GetUser needs a name with role credentials, and the role may not call it anyway.
      const noName = await awsError(session.iam.send(new GetUserCommand({})));
      expect(noName).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message: 'Must specify userName when calling with non-User credentials',
      });
      const denied = await awsError(
        session.iam.send(new GetUserCommand({ UserName: principal.userName })),
      );
      expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
      expect(denied.message).toMatch(
        new RegExp(`^User: ${out.AssumedRoleUser?.Arn ?? ''} is not authorized`),
      );
      // Without its session token the temporary key is nobody.
      const tokenless = new STSClient({
        region: backend.current.region,
        endpoint: backend.current.endpoint,
        maxAttempts: 1,
        credentials: {
          accessKeyId: out.Credentials?.AccessKeyId ?? '',
          secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
        },
      });
      expect((await awsError(tokenless.send(new GetCallerIdentityCommand({})))).name).toBe(
        'InvalidClientTokenId',
      );
      for (const c of [session.iam, session.sts, tokenless]) {
        c.destroy();
      }
    },
  );

  it.skipIf(trustChecked.skip)(
    `refuses a wrong ExternalId, an untrusted caller and an unknown role with AccessDenied 403${trustChecked.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-refused', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ]);
      const role = await admin.createRole('conf-guarded', assumable(principal.arn, 'ext-42'));
      const assume = (RoleArn: string, ExternalId?: string) =>
        awsError(
          principal.sts.send(
            new AssumeRoleCommand({ RoleArn, RoleSessionName: 'sess', ExternalId }),
          ),
        );
      const expected = (arn: string) => ({
        name: 'AccessDenied',
        status: 403,
        message: `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      });
      expect(await assume(role.arn, 'ext-wrong')).toMatchObject(expected(role.arn));
      expect(await assume(role.arn)).toMatchObject(expected(role.arn));
      const unknown = role.arn.replace(role.roleName, 'no-such-role');
      expect(await assume(unknown, 'ext-42')).toMatchObject(expected(unknown));

      const stranger = await admin.createPrincipal('conf-stranger', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ]);
      const refused = await awsError(
        stranger.sts.send(
          new AssumeRoleCommand({
            RoleArn: role.arn,
            RoleSessionName: 'sess',
            ExternalId: 'ext-42',
          }),
        ),
      );
      expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    },
  );

  it.skipIf(trustChecked.skip)(
    `needs the caller's own permission when the trust names only the account${trustChecked.label}`,
    async () => {
      const identity = await admin.createPrincipal('conf-acct');
      const accountRoot = identity.arn.replace(/:user\/.*$/, ':root');
      const role = await admin.createRole('conf-acctrole', assumable(accountRoot));
      const refused = await awsError(
        identity.sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'sess' })),
      );
      expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
      await admin.putUserPolicy(identity.userName, 'assume', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role.arn },
      ]);
      const out = await identity.sts.send(
        new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: 'sess' }),
      );
      expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    },
  );

  it.skipIf(stsValidation.skip)(
    `validates AssumeRole's input, echoing the value as STS does${stsValidation.label}`,
    async () => {
      const sts = new STSClient({
        region: backend.current.region,
        endpoint: backend.current.endpoint,
        credentials: backend.current.credentials,
        maxAttempts: 1,
      });
      const error = await awsError(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: 'arn:aws:iam::123456789012:role/x',
            RoleSessionName: 'Session1:2',
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message:
          "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      });
      const malformed = await awsError(
        sts.send(
          new AssumeRoleCommand({ RoleArn: 'nothing-valid-in-here', RoleSessionName: 'session' }),
        ),
      );
      expect(malformed).toMatchObject({
        name: 'ValidationError',
        message: 'nothing-valid-in-here is invalid',
      });
      sts.destroy();
    },
  );

  it('serves STS at the URL given as AWS_ENDPOINT_URL_STS', async () => {
    const endpoint = backend.current.endpoint;
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = endpoint;
    try {
      const sts = new STSClient({
        region: backend.current.region,
        credentials: backend.current.credentials,
      });
      const out = await sts.send(new GetCallerIdentityCommand({}));
      expect(out.Account).toMatch(/^\d{12}$/);
      sts.destroy();
    } finally {
      if (saved === undefined) {
        delete process.env.AWS_ENDPOINT_URL_STS;
      } else {
        process.env.AWS_ENDPOINT_URL_STS = saved;
      }
    }
  });
});

/**
 * Conformance: permissions from inline policies — AccessDenied on live calls, and
 * SimulatePrincipalPolicy answering the same questions the same way.
 */
import {
  CreateAccessKeyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { admin } = useIamAdmin();

const authorization = unsupportedOn({
  moto: 'moto authorizes nothing by default: every key may call every action',
});
const simulation = unsupportedOn({
  moto: 'moto answers SimulatePrincipalPolicy with an HTML 500 (not implemented)',
});

const READ_ONLY = [
  { Sid: 'ReadOnly', Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' },
];

describe(`permissions on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('lets anyone with a valid key call GetCallerIdentity, even under an explicit deny', async () => {
    const principal = await admin.createPrincipal('conf-nodeny', [
      { Effect: 'Deny', Action: 'sts:GetCallerIdentity', Resource: '*' },
    ]);
    expect((await principal.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(principal.arn);
  });

  it.skipIf(authorization.skip)(
    `refuses what no policy allows with AccessDenied 403, in AWS words${authorization.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-nopolicy');
      const error = await awsError(principal.iam.send(new ListUsersCommand({})));
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403, fault: 'client' });
      expect(error.message).toBe(
        `User: ${principal.arn} is not authorized to perform: iam:ListUsers on resource: ${principal.arn.replace(/:user\/.*$/, ':user/')} because no identity-based policy allows the iam:ListUsers action`,
      );
    },
  );

  it.skipIf(authorization.skip)(
    `allows through action wildcards and lets an explicit Deny win${authorization.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-wild', [
        ...READ_ONLY,
        { Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' },
      ]);
      expect((await principal.iam.send(new ListUsersCommand({ MaxItems: 1 }))).Users).toBeDefined();
      const keys = await principal.iam.send(
        new ListAccessKeysCommand({ UserName: principal.userName }),
      );
      expect(keys.AccessKeyMetadata).toHaveLength(1);
      const denied = await awsError(
        principal.iam.send(new CreateAccessKeyCommand({ UserName: principal.userName })),
      );
      expect(denied).toMatchObject({
        name: 'AccessDenied',
        status: 403,
        message: `User: ${principal.arn} is not authorized to perform: iam:CreateAccessKey on resource: ${principal.arn} with an explicit deny in an identity-based policy`,
      });
    },
  );

  it.skipIf(authorization.skip)(
    `scopes permissions to resources, e.g. a user's own keys${authorization.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-own', [
        {
          Effect: 'Allow',
          Action: 'iam:ListAccessKeys',
          Resource: 'arn:aws:iam::*:user/*/${aws:username}',
        },
      ]);
      const other = await admin.createUser('conf-other');
      await principal.iam.send(new ListAccessKeysCommand({}));
      const error = await awsError(
        principal.iam.send(new ListAccessKeysCommand({ UserName: other })),
      );
      expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    },
  );

  it.skipIf(simulation.skip)(
    `simulates the same decisions the live calls get${simulation.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-sim', [
        ...READ_ONLY,
        { Effect: 'Deny', Action: 'iam:GetUser', Resource: '*' },
      ]);
      const actions = ['iam:ListUsers', 'iam:GetUser', 'iam:CreateAccessKey'];
      const out = await admin.client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principal.arn,
          ActionNames: actions,
        }),
      );
      expect(out.IsTruncated).toBe(false);
      const decisions = Object.fromEntries(
        (out.EvaluationResults ?? []).map((r) => [r.EvalActionName, r.EvalDecision]),
      );
      expect(decisions).toEqual({
        'iam:ListUsers': 'allowed',
        'iam:GetUser': 'explicitDeny',
        'iam:CreateAccessKey': 'implicitDeny',
      });
      // The live calls agree with the simulation.
      await principal.iam.send(new ListUsersCommand({ MaxItems: 1 }));
      expect((await awsError(principal.iam.send(new GetUserCommand({})))).name).toBe(
        'AccessDenied',
      );
      expect((await awsError(principal.iam.send(new CreateAccessKeyCommand({})))).name).toBe(
        'AccessDenied',
      );

      const allowed = out.EvaluationResults?.find((r) => r.EvalActionName === 'iam:ListUsers');
      expect(allowed).toMatchObject({
        EvalResourceName: '*',
        MissingContextValues: [],
        OrganizationsDecisionDetail: { AllowedByOrganizations: true },
      });
      expect(allowed?.MatchedStatements).toEqual([
        {
          SourcePolicyId: 'test-permissions',
          SourcePolicyType: 'IAM Policy',
          StartPosition: { Line: 1, Column: expect.any(Number) },
          EndPosition: { Line: 1, Column: expect.any(Number) },
        },
      ]);
      const denied = out.EvaluationResults?.find((r) => r.EvalActionName === 'iam:GetUser');
      expect(denied?.MatchedStatements).toHaveLength(1);
      const implicit = out.EvaluationResults?.find(
        (r) => r.EvalActionName === 'iam:CreateAccessKey',
      );
      expect(implicit?.MatchedStatements).toEqual([]);
    },
  );

  it.skipIf(simulation.skip)(
    `simulates per resource, and pages the results${simulation.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-simres', [
        { Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::*:user/allowed/*' },
      ]);
      const allowed = 'arn:aws:iam::123456789012:user/allowed/bob';
      const other = 'arn:aws:iam::123456789012:user/other/bob';
      const out = await admin.client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principal.arn,
          ActionNames: ['iam:GetUser', 'iam:TagUser', 'iam:UntagUser'],
          ResourceArns: [allowed, other],
          MaxItems: 2,
        }),
      );
      expect(out.IsTruncated).toBe(true);
      expect(out.EvaluationResults).toHaveLength(2);
      expect(out.EvaluationResults?.[0]).toMatchObject({
        EvalActionName: 'iam:GetUser',
        EvalResourceName: '*',
        EvalDecision: 'implicitDeny',
      });
      expect(
        out.EvaluationResults?.[0]?.ResourceSpecificResults?.map((r) => r.EvalResourceDecision),
      ).toEqual(['allowed', 'implicitDeny']);
      const rest = await admin.client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principal.arn,
          ActionNames: ['iam:GetUser', 'iam:TagUser', 'iam:UntagUser'],
          ResourceArns: [allowed, other],
          Marker: out.Marker,
        }),
      );
      expect(rest.EvaluationResults?.map((r) => r.EvalActionName)).toEqual(['iam:UntagUser']);
      expect(rest.IsTruncated).toBe(false);
    },
  );

  it.skipIf(simulation.skip)(
    `answers an unknown principal with NoSuchEntity 404 and a malformed ARN with InvalidInput 400${simulation.label}`,
    async () => {
      const unknown = await awsError(
        admin.client.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: 'arn:aws:iam::123456789012:user/nobody-sim',
            ActionNames: ['iam:GetUser'],
          }),
        ),
      );
      expect(unknown).toMatchObject({
        name: 'NoSuchEntityException',
        status: 404,
        message: 'The user with name nobody-sim cannot be found.',
      });
      const malformed = await awsError(
        admin.client.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: 'arn:aws:s3:::some-bucket-name',
            ActionNames: ['iam:GetUser'],
          }),
        ),
      );
      expect(malformed).toMatchObject({ name: 'InvalidInputException', status: 400 });
    },
  );
});

/** Conformance: inline user and role policies, and roles — the setup actions tests rely on. */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteUserPolicyCommand,
  GetRoleCommand,
  GetUserPolicyCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin, clientsFor, policyDocument } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { backend, admin } = useIamAdmin();

const READ = [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }];
const TRUST = [{ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' }];

describe(`inline policies and roles on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('stores, lists, returns (URL-encoded) and deletes an inline user policy', async () => {
    const userName = await admin.createUser('conf-pol');
    await admin.putUserPolicy(userName, 'read', READ);
    const listed = await admin.client.send(new ListUserPoliciesCommand({ UserName: userName }));
    expect(listed.PolicyNames).toEqual(['read']);
    const got = await admin.client.send(
      new GetUserPolicyCommand({ UserName: userName, PolicyName: 'read' }),
    );
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ''))).toEqual(
      JSON.parse(policyDocument(READ)),
    );
    await admin.client.send(
      new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'read' }),
    );
    const again = await awsError(
      admin.client.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'read' })),
    );
    expect(again).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('refuses a policy that is not JSON with MalformedPolicyDocument 400', async () => {
    const userName = await admin.createUser('conf-malformed');
    const error = await awsError(
      admin.client.send(
        new PutUserPolicyCommand({
          UserName: userName,
          PolicyName: 'bad',
          PolicyDocument: '{nope',
        }),
      ),
    );
    expect(error).toMatchObject({ name: 'MalformedPolicyDocumentException', status: 400 });
  });

  it('creates a role, reads it, refuses a duplicate and an unknown name', async () => {
    const role = await admin.createRole('conf-role', TRUST);
    const got = await admin.client.send(new GetRoleCommand({ RoleName: role.roleName }));
    expect(got.Role).toMatchObject({ RoleName: role.roleName, Arn: role.arn, Path: '/' });
    expect(got.Role?.RoleId).toMatch(/^AROA[A-Z0-9]+$/);
    expect(JSON.parse(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(
      JSON.parse(policyDocument(TRUST)),
    );
    const duplicate = await awsError(
      admin.client.send(
        new CreateRoleCommand({
          RoleName: role.roleName,
          AssumeRolePolicyDocument: policyDocument(TRUST),
        }),
      ),
    );
    expect(duplicate).toMatchObject({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: `Role with name ${role.roleName} already exists.`,
    });
    const unknown = await awsError(
      admin.client.send(new GetRoleCommand({ RoleName: 'no-such-role-conf' })),
    );
    expect(unknown).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });
});

const jsonWording = unsupportedOn({
  moto: 'moto says "Syntax errors in policy." for a document that is not JSON',
});
const sizeQuota = unsupportedOn({
  moto: "moto does not cap a user's inline policies at 2,048 characters",
});
const entityMessages = unsupportedOn({
  moto: 'moto says "Policy X not found" and "Role X not found"',
});

describe(`inline policy rules on ${process.env.IAM_TEST_BACKEND}`, () => {
  it.skipIf(jsonWording.skip)(
    `words a document that is not JSON as IAM${jsonWording.label}`,
    async () => {
      const userName = await admin.createUser('conf-poljson');
      const bad = await awsError(
        admin.client.send(
          new PutUserPolicyCommand({
            UserName: userName,
            PolicyName: 'bad',
            PolicyDocument: '{nope',
          }),
        ),
      );
      expect(bad.message).toBe('This policy contains invalid Json');
    },
  );

  it.skipIf(sizeQuota.skip)(
    `caps a user's inline policies at 2,048 characters with LimitExceeded 409${sizeQuota.label}`,
    async () => {
      const userName = await admin.createUser('conf-polsize');
      const once = clientsFor(backend.current, backend.current.credentials).iam;
      const big = (n: number) =>
        Array.from({ length: n }, (_, i) => ({
          Effect: 'Allow',
          Action: `iam:Get${'X'.repeat(40)}${i}`,
          Resource: '*',
        }));
      await admin.putUserPolicy(userName, 'first', big(15));
      const error = await awsError(
        once.send(
          new PutUserPolicyCommand({
            UserName: userName,
            PolicyName: 'second',
            PolicyDocument: policyDocument(big(15)),
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'LimitExceededException',
        status: 409,
        message: `Maximum policy size of 2048 bytes exceeded for user ${userName}`,
      });
      once.destroy();
    },
  );

  it.skipIf(entityMessages.skip)(
    `words a missing inline policy and a missing role as IAM does${entityMessages.label}`,
    async () => {
      const userName = await admin.createUser('conf-polmsg');
      const policy = await awsError(
        admin.client.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'none' })),
      );
      expect(policy.message).toBe('The user policy with name none cannot be found.');
      const role = await awsError(
        admin.client.send(new GetRoleCommand({ RoleName: 'no-such-role-conf' })),
      );
      expect(role.message).toBe('The role with name no-such-role-conf cannot be found.');
    },
  );

  it('refuses to delete a role that still has inline policies', async () => {
    const role = await admin.createRole('conf-rolepol', TRUST, READ);
    const error = await awsError(
      admin.client.send(new DeleteRoleCommand({ RoleName: role.roleName })),
    );
    expect(error).toMatchObject({
      name: 'DeleteConflictException',
      status: 409,
      message: 'Cannot delete entity, must delete policies first.',
    });
  });
});

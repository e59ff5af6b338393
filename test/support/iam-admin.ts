/**
 * Test setup through the real SDK as an administrator of the backend: users, keys, tags,
 * inline policies and roles that the code under test then finds. Users get unique names under
 * the backend's test path and are deleted (keys, login profile, inline policies first) by
 * `cleanup()`, roles likewise.
 */
import { randomUUID } from 'node:crypto';

import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';

import { afterAll, beforeAll } from 'vitest';

import { type IamBackend, useIamBackend } from './iam-backend.ts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Principal {
  userName: string;
  arn: string;
  credentials: Credentials;
  /** Clients signed with the principal's key; one attempt, so refusals surface at once. */
  iam: IAMClient;
  sts: STSClient;
}

export interface IamAdmin {
  client: IAMClient;
  /**
   * Creates a user with a unique name starting with `base` under the backend's test path (or
   * `path`, which must start with it); returns the name.
   */
  createUser(base: string, path?: string): Promise<string>;
  createAccessKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  tagUser(userName: string, tags: Record<string, string>): Promise<void>;
  /** An inline policy of the given statements. */
  putUserPolicy(userName: string, policyName: string, statements: object[]): Promise<void>;
  /** A user with one access key (and an inline policy when statements are given). */
  createPrincipal(base: string, statements?: object[]): Promise<Principal>;
  /** A role with the trust policy's statements; returns its name and ARN. */
  createRole(
    base: string,
    trustStatements: object[],
    permissions?: object[],
  ): Promise<{ roleName: string; arn: string }>;
  cleanup(): Promise<void>;
}

export const policyDocument = (statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** IAM and STS clients for a backend, signed with `credentials`. */
export function clientsFor(
  backend: IamBackend,
  credentials: Credentials,
  options: { maxAttempts?: number; region?: string } = {},
): { iam: IAMClient; sts: STSClient } {
  const common = {
    region: options.region ?? backend.region,
    endpoint: backend.endpoint,
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
  };
  return { iam: new IAMClient(common), sts: new STSClient(common) };
}

export function createIamAdmin(backend: IamBackend): IamAdmin {
  const client = new IAMClient({
    region: backend.region,
    endpoint: backend.endpoint,
    credentials: backend.credentials,
  });
  const created: string[] = [];
  const roles: string[] = [];
  const clients: Array<{ destroy(): void }> = [];
  const unique = (base: string) => `${base}-${randomUUID().slice(0, 8)}`;
  const admin: IamAdmin = {
    client,
    async createUser(base, path = backend.userPath) {
      const userName = unique(base);
      await client.send(new CreateUserCommand({ UserName: userName, Path: path }));
      created.push(userName);
      return userName;
    },
    async createAccessKey(userName) {
      const out = await client.send(new CreateAccessKeyCommand({ UserName: userName }));
      return {
        accessKeyId: out.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: out.AccessKey?.SecretAccessKey ?? '',
      };
    },
    async tagUser(userName, tags) {
      await client.send(
        new TagUserCommand({
          UserName: userName,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    },
    async putUserPolicy(userName, policyName, statements) {
      await client.send(
        new PutUserPolicyCommand({
          UserName: userName,
          PolicyName: policyName,
          PolicyDocument: policyDocument(statements),
        }),
      );
    },
    async createPrincipal(base, statements) {
      const userName = await admin.createUser(base);
      if (statements !== undefined) {
        await admin.putUserPolicy(userName, 'test-permissions', statements);
      }
      const credentials = await admin.createAccessKey(userName);
      const { iam, sts } = clientsFor(backend, credentials);
      clients.push(iam, sts);
      const user = await client.send(new GetUserCommand({ UserName: userName }));
      return { userName, arn: user.User?.Arn ?? '', credentials, iam, sts };
    },
    async createRole(base, trustStatements, permissions) {
      const roleName = unique(base);
      const out = await client.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: policyDocument(trustStatements),
        }),
      );
      roles.push(roleName);
      if (permissions !== undefined) {
        await client.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: 'test-permissions',
            PolicyDocument: policyDocument(permissions),
          }),
        );
      }
      return { roleName, arn: out.Role?.Arn ?? '' };
    },
    async cleanup() {
      const ignore = () => undefined;
      for (const userName of created.splice(0)) {
        const keys = await client
          .send(new ListAccessKeysCommand({ UserName: userName }))
          .catch(ignore);
        for (const key of keys?.AccessKeyMetadata ?? []) {
          await client
            .send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }))
            .catch(ignore);
        }
        await client.send(new DeleteLoginProfileCommand({ UserName: userName })).catch(ignore);
        const policies = await client
          .send(new ListUserPoliciesCommand({ UserName: userName }))
          .catch(ignore);
        for (const policyName of policies?.PolicyNames ?? []) {
          await client
            .send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: policyName }))
            .catch(ignore);
        }
        await client.send(new DeleteUserCommand({ UserName: userName })).catch(ignore);
      }
      for (const roleName of roles.splice(0)) {
        const policies = await client
          .send(new ListRolePoliciesCommand({ RoleName: roleName }))
          .catch(ignore);
        for (const policyName of policies?.PolicyNames ?? []) {
          await client
            .send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }))
            .catch(ignore);
        }
        await client.send(new DeleteRoleCommand({ RoleName: roleName })).catch(ignore);
      }
      for (const c of clients.splice(0)) {
        c.destroy();
      }
      client.destroy();
    },
  };
  return admin;
}

/**
 * The backend of this file and an administrator on it, created before the file's tests and
 * cleaned up after them. `admin` forwards to the administrator once it exists.
 */
export function useIamAdmin(): { backend: { readonly current: IamBackend }; admin: IamAdmin } {
  const backend = useIamBackend();
  let current: IamAdmin | undefined;
  beforeAll(() => {
    current = createIamAdmin(backend.current);
  });
  afterAll(async () => {
    await current?.cleanup();
  });
  const admin = new Proxy({} as IamAdmin, {
    get(_target, prop: keyof IamAdmin) {
      if (current === undefined) {
        throw new Error('the IAM administrator exists only inside tests and hooks');
      }
      return current[prop];
    },
  });
  return { backend, admin };
}

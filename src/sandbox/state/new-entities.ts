/** Builders for new users, access keys and roles with AWS-shaped ids and ARNs. */
import type { PolicyDocument } from '../policy/policy-document.ts';
import type { AccountState } from './account-state.ts';
import type { IdGenerator } from './ids.ts';
import type { AccessKeyRecord, RoleRecord, UserRecord } from './records.ts';

export function newUser(
  state: AccountState,
  ids: IdGenerator,
  fields: { userName: string; path: string; createdAt: number },
): UserRecord {
  return {
    userName: fields.userName,
    userId: ids.userId(),
    path: fields.path,
    arn: state.userArn(fields.path, fields.userName),
    createdAt: fields.createdAt,
    passwordLastUsed: undefined,
    tags: new Map(),
    accessKeys: [],
    loginProfile: undefined,
    passwordHistory: [],
    policies: new Map(),
    listXml: undefined,
  };
}

export function newAccessKey(
  user: UserRecord,
  ids: IdGenerator,
  fields: { createdAt: number; propagationDelayMs: number },
): AccessKeyRecord {
  return {
    accessKeyId: ids.accessKeyId(),
    secretAccessKey: ids.secretAccessKey(),
    status: 'Active',
    createdAt: fields.createdAt,
    // Fixed at creation: changing the delay later does not move keys already made.
    validFrom: fields.createdAt + fields.propagationDelayMs,
    lastUsed: undefined,
    user,
  };
}

export function newRole(
  state: AccountState,
  ids: IdGenerator,
  fields: {
    roleName: string;
    path: string;
    createdAt: number;
    description: string | undefined;
    maxSessionDuration: number;
    trust: PolicyDocument;
  },
): RoleRecord {
  return {
    ...fields,
    roleId: ids.roleId(),
    arn: state.roleArn(fields.path, fields.roleName),
    policies: new Map(),
  };
}

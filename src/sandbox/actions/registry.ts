/** Every action the sandbox answers, by service and wire name. */
import {
  createAccessKey,
  deleteAccessKey,
  getAccessKeyLastUsed,
  listAccessKeys,
  updateAccessKey,
} from './access-keys.ts';
import {
  deleteAccountPasswordPolicy,
  getAccountPasswordPolicy,
  updateAccountPasswordPolicy,
} from './account-password-policy.ts';
import type { SandboxAction } from './define-action.ts';
import {
  createLoginProfile,
  deleteLoginProfile,
  getLoginProfile,
  updateLoginProfile,
} from './login-profiles.ts';
import { createRole, deleteRole, deleteRolePolicy, getRole, putRolePolicy } from './roles.ts';
import { simulatePrincipalPolicy } from './simulate-principal-policy.ts';
import { assumeRole, getCallerIdentity } from './sts.ts';
import {
  deleteUserPolicy,
  getUserPolicy,
  listUserPolicies,
  putUserPolicy,
} from './user-policies.ts';
import { listUserTags, tagUser, untagUser } from './user-tags.ts';
import { createUser, deleteUser, getUser, listUsers } from './users.ts';

const ALL: readonly SandboxAction[] = [
  createUser,
  getUser,
  listUsers,
  deleteUser,
  createAccessKey,
  listAccessKeys,
  updateAccessKey,
  deleteAccessKey,
  getAccessKeyLastUsed,
  getLoginProfile,
  createLoginProfile,
  updateLoginProfile,
  deleteLoginProfile,
  listUserTags,
  tagUser,
  untagUser,
  getAccountPasswordPolicy,
  updateAccountPasswordPolicy,
  deleteAccountPasswordPolicy,
  putUserPolicy,
  getUserPolicy,
  deleteUserPolicy,
  listUserPolicies,
  createRole,
  getRole,
  deleteRole,
  putRolePolicy,
  deleteRolePolicy,
  simulatePrincipalPolicy,
  getCallerIdentity,
  assumeRole,
];

/** API versions, which is how one endpoint tells IAM from STS (iam-api.md §10.1). */
export const VERSIONS = { iam: '2010-05-08', sts: '2011-06-15' } as const;

const BY_KEY = new Map(ALL.map((action) => [`${action.service}:${action.name}`, action]));

export function findAction(service: 'iam' | 'sts', name: string): SandboxAction | undefined {
  return BY_KEY.get(`${service}:${name}`);
}

/** Wire names of every action (for validating fault configurations). */
export const ACTION_NAMES: ReadonlySet<string> = new Set(ALL.map((action) => action.name));

/**
 * The bootstrap administrator: an IAM user under `/sandbox/` whose inline policy allows
 * everything, holding the key the sandbox prints at start. Its key works at once (no
 * propagation delay) and survives `reset`.
 */
import { parsePolicyDocument } from '../policy/policy-document.ts';
import type { AccountState } from './account-state.ts';
import type { IdGenerator } from './ids.ts';
import { newUser } from './new-entities.ts';
import type { UserRecord } from './records.ts';

export const ADMIN_USER_NAME = 'sandbox-admin';
export const ADMIN_PATH = '/sandbox/';
export const ADMIN_POLICY_NAME = 'SandboxAdministratorAccess';

const ADMIN_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'AllowEverything', Effect: 'Allow', Action: '*', Resource: '*' }],
});

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function addBootstrapAdmin(
  state: AccountState,
  ids: IdGenerator,
  credentials: Credentials,
  now: number,
): UserRecord {
  const user = newUser(state, ids, { userName: ADMIN_USER_NAME, path: ADMIN_PATH, createdAt: now });
  user.policies.set(ADMIN_POLICY_NAME, {
    name: ADMIN_POLICY_NAME,
    document: parsePolicyDocument(ADMIN_POLICY, 'identity'),
  });
  state.addUser(user);
  state.addAccessKey({
    ...credentials,
    status: 'Active',
    createdAt: now,
    validFrom: 0,
    lastUsed: undefined,
    user,
  });
  return user;
}

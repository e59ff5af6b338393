/**
 * The prerequisite check of a provider (the `validate` job): who the principal is, and which of
 * the actions iam-pam needs it may perform, from SimulatePrincipalPolicy. A check that cannot be
 * made says so and yields `unknown` — never `ready`.
 */
import { isAppError } from '../errors.ts';
import type { IamGateway } from '../iam/iam-gateway.ts';
import type { ProviderStatus } from './provider-schema.ts';

/** The 13 actions of the seed provider page (DESIGN.md, "IAM actions"). */
export const REQUIRED_ACTIONS = [
  'iam:GetUser',
  'iam:SimulatePrincipalPolicy',
  'iam:ListUsers',
  'iam:ListAccessKeys',
  'iam:GetLoginProfile',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:ListUserTags',
  'iam:TagUser',
  'iam:UntagUser',
] as const;

/** Optional actions, and what is off without each. (sts:GetCallerIdentity needs no permission.) */
export const OPTIONAL_ACTIONS: Record<string, string> = {
  'iam:GetAccountPasswordPolicy':
    "the account's password policy is not read: passwords get 32 characters of all four classes (or an explicit policy's longer minimum)",
  'iam:GetAccessKeyLastUsed': "an old key's last use is not recorded in rotation results",
};

export interface PrerequisiteReport {
  status: ProviderStatus;
  denied: string[];
  principalArn: string;
  /** Why, for people: features off, what to grant, or why the check could not be made. */
  statusDetail: string;
  /** The policy that grants everything, when something required is missing. */
  policy?: {
    Version: string;
    Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string }>;
  };
}

export function seedPolicyDocument(): NonNullable<PrerequisiteReport['policy']> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [...REQUIRED_ACTIONS, ...Object.keys(OPTIONAL_ACTIONS)],
        Resource: '*',
      },
    ],
  };
}

/** SimulatePrincipalPolicy takes a user or role ARN; an assumed-role session maps to its role. */
export function policySourceArn(callerArn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : callerArn;
}

export async function checkPrerequisites(gateway: IamGateway): Promise<PrerequisiteReport> {
  let principalArn: string;
  try {
    principalArn = (await gateway.getCallerIdentity()).arn;
  } catch (err) {
    if (isAppError(err) && err.code === 'provider_credential_invalid') {
      return {
        status: 'unknown',
        denied: [],
        principalArn: '',
        statusDetail: `the provider's credential is rejected (${err.message}); replace it with iam-pam provider add`,
      };
    }
    throw err;
  }
  if (/:root$/.test(principalArn)) {
    return {
      status: 'ready',
      denied: [],
      principalArn,
      statusDetail:
        'the account root may do everything; use an IAM user or role with the seed policy instead',
    };
  }
  if (/:user\//.test(principalArn)) {
    try {
      await gateway.getUser();
    } catch (err) {
      // Denied GetUser is a finding (the simulation lists it), not a reason to stop.
      if (!(isAppError(err) && err.code === 'permission_denied')) {
        throw err;
      }
    }
  }
  const actions = [...REQUIRED_ACTIONS, ...Object.keys(OPTIONAL_ACTIONS)];
  let decisions: Record<string, string>;
  try {
    decisions = await gateway.simulatePrincipalPolicy(policySourceArn(principalArn), actions);
  } catch (err) {
    if (isAppError(err) && (err.code === 'permission_denied' || err.code === 'not_implemented')) {
      const why =
        err.code === 'permission_denied'
          ? 'iam:SimulatePrincipalPolicy is denied to the principal (grant it on itself to check prerequisites)'
          : 'the IAM endpoint does not implement SimulatePrincipalPolicy';
      return {
        status: 'unknown',
        denied: [],
        principalArn,
        statusDetail: `permissions could not be checked: ${why}`,
      };
    }
    throw err;
  }
  const denied = actions.filter((action) => decisions[action] !== 'allowed');
  const missing = denied.filter((action) =>
    (REQUIRED_ACTIONS as readonly string[]).includes(action),
  );
  if (missing.length > 0) {
    return {
      status: 'missing_permissions',
      denied,
      principalArn,
      statusDetail: `missing ${missing.join(', ')}: attach the policy shown`,
      policy: seedPolicyDocument(),
    };
  }
  if (denied.length > 0) {
    return {
      status: 'degraded',
      denied,
      principalArn,
      statusDetail: denied
        .map((action) => `${action} denied: ${OPTIONAL_ACTIONS[action]}`)
        .join('; '),
    };
  }
  return {
    status: 'ready',
    denied: [],
    principalArn,
    statusDetail: 'every action iam-pam uses is allowed',
  };
}

/**
 * The password policy a provider's passwords follow, from its lifecycle policy's
 * `passwordPolicy` (CONTRACT.md) and, unless that says `aws-default`, the account's own policy
 * read with GetAccountPasswordPolicy: `aws-account` follows the account; an explicit policy is
 * intersected with it, rule by rule.
 */
import { isAppError, PermanentError } from '../errors.ts';
import type { IamGateway } from '../iam/iam-gateway.ts';
import type { LifecyclePolicy } from '../providers/lifecycle-policy.ts';
import {
  accountPasswordPolicy,
  awsDefaultPasswordPolicy,
  explicitPasswordPolicy,
  fallbackPasswordPolicy,
} from './password-policy-sources.ts';
import {
  describePasswordPolicy,
  intersectPasswordPolicies,
  type PasswordPolicy,
  unsatisfiableReason,
} from './password-policy.ts';

export type PasswordPolicySetting = LifecyclePolicy['passwordPolicy'];

/**
 * What the account's own policy turned out to be: `custom` (read), `aws_default` (none set:
 * AWS's default applies), `unreadable` (GetAccountPasswordPolicy denied: the fallback applies),
 * `not_read` (the setting is `aws-default`, which needs no call).
 */
export type AccountPolicyState = 'custom' | 'aws_default' | 'unreadable' | 'not_read';

export interface ResolvedPasswordPolicy {
  policy: PasswordPolicy;
  /** `describePasswordPolicy(policy)`, for results and errors. */
  description: string;
  account: AccountPolicyState;
  /** For the rotation's result when the account's policy could not be followed exactly. */
  note: string | undefined;
}

export interface ResolveContext {
  /** The provider's id, to say where to change its policy. */
  provider: string;
}

type AccountPolicyReader = Pick<IamGateway, 'getAccountPasswordPolicy'>;

/**
 * Resolves the rules; an explicit policy that no password can satisfy, alone or together with
 * the account's, is a PermanentError (`password_policy_unsatisfiable`) naming both. IAM errors
 * other than a denied GetAccountPasswordPolicy propagate as the gateway classified them.
 */
export async function resolvePasswordPolicy(
  setting: PasswordPolicySetting,
  iam: AccountPolicyReader,
  context: ResolveContext,
): Promise<ResolvedPasswordPolicy> {
  if (setting === 'aws-default') {
    return resolved(awsDefaultPasswordPolicy(), 'not_read');
  }
  const explicit = setting === 'aws-account' ? undefined : explicitPasswordPolicy(setting);
  if (explicit !== undefined) {
    const reason = unsatisfiableReason(explicit);
    if (reason !== undefined) {
      throw unsatisfiable(
        `No password can satisfy the provider's password policy (${describePasswordPolicy(explicit)}): ${reason}. Change it (iam-pam provider policy ${context.provider} --file F).`,
        context,
        { providerPolicy: describePasswordPolicy(explicit) },
      );
    }
  }
  const account = await readAccountPolicy(iam);
  if (account === 'unreadable') {
    const fallback = fallbackPasswordPolicy(explicit);
    const note = `The account's password policy could not be read (iam:GetAccountPasswordPolicy is denied), so passwords follow a fallback (${describePasswordPolicy(fallback)}) that AWS's default and common policies accept; allow iam:GetAccountPasswordPolicy to follow the account's own policy.`;
    return { ...resolved(fallback, 'unreadable'), note };
  }
  const [accountPolicy, state] =
    account === undefined
      ? [awsDefaultPasswordPolicy(), 'aws_default' as const]
      : [accountPasswordPolicy(account), 'custom' as const];
  if (explicit === undefined) {
    return resolved(accountPolicy, state);
  }
  const combined = intersectPasswordPolicies(explicit, accountPolicy);
  const reason = unsatisfiableReason(combined);
  if (reason !== undefined) {
    const accountText = `${state === 'custom' ? "the account's password policy" : "AWS's default password policy, in force on the account"} (${describePasswordPolicy(accountPolicy)})`;
    throw unsatisfiable(
      `No password can satisfy both the provider's password policy (${describePasswordPolicy(explicit)}) and ${accountText}: combined, ${reason}. Change the provider's policy (iam-pam provider policy ${context.provider} --file F) or the account's.`,
      context,
      {
        providerPolicy: describePasswordPolicy(explicit),
        accountPolicy: describePasswordPolicy(accountPolicy),
      },
    );
  }
  return resolved(combined, state);
}

function resolved(policy: PasswordPolicy, account: AccountPolicyState): ResolvedPasswordPolicy {
  return { policy, description: describePasswordPolicy(policy), account, note: undefined };
}

async function readAccountPolicy(iam: AccountPolicyReader) {
  try {
    return await iam.getAccountPasswordPolicy();
  } catch (err) {
    if (isAppError(err) && err.code === 'permission_denied') {
      return 'unreadable' as const;
    }
    throw err;
  }
}

function unsatisfiable(
  text: string,
  context: ResolveContext,
  detail: Record<string, string>,
): PermanentError {
  return new PermanentError('password_policy_unsatisfiable', text, {
    detail: { provider: context.provider, ...detail },
  });
}

/**
 * Role trust: may this caller assume this role? A trust statement allowing `sts:AssumeRole`
 * must name the caller (its ARN) or its account (`<id>` / `arn:aws:iam::<id>:root`, or `*`),
 * and its conditions (e.g. `sts:ExternalId`) must hold. When only the account is named, the
 * caller's own policies must also allow `sts:AssumeRole` on the role, as in AWS.
 */
import type { Caller } from '../auth/caller.ts';
import type { RoleRecord } from '../state/records.ts';
import { evaluatePolicies, type RequestContext } from './evaluate-policies.ts';
import type { PolicyStatement } from './policy-document.ts';

export type TrustVerdict = 'caller-trusted' | 'account-trusted' | 'denied';

/** The ARNs a trust policy may use for this caller. */
function callerArns(caller: Caller): string[] {
  if (caller.kind === 'user') {
    const { user } = caller;
    return [user.arn, user.arn.replace(`:user${user.path}`, ':user/')];
  }
  return [caller.arn, caller.session.role.arn];
}

function principalKind(statement: PolicyStatement, caller: Caller, accountId: string) {
  const principals = statement.principals;
  if (principals === undefined) {
    return undefined;
  }
  if (principals.any) {
    return 'account' as const;
  }
  const arns = callerArns(caller);
  if (principals.aws.some((p) => arns.includes(p))) {
    return 'caller' as const;
  }
  if (principals.aws.some((p) => p === accountId || p === `arn:aws:iam::${accountId}:root`)) {
    return 'account' as const;
  }
  return undefined;
}

export function evaluateTrust(
  role: RoleRecord,
  caller: Caller,
  accountId: string,
  context: RequestContext,
): TrustVerdict {
  let callerTrusted = false;
  let accountTrusted = false;
  for (const statement of role.trust.statements) {
    const kind = principalKind(statement, caller, accountId);
    if (kind === undefined) {
      continue;
    }
    // Reuse the identity evaluator for action and conditions; a trust policy has no Resource.
    const asIdentity = { ...statement, resources: ['*'], notResources: undefined };
    const single = { name: 'trust', document: { text: '', statements: [asIdentity] } };
    const decision = evaluatePolicies([single], 'sts:AssumeRole', role.arn, context).decision;
    if (decision === 'explicitDeny') {
      return 'denied';
    }
    if (decision === 'allowed') {
      callerTrusted ||= kind === 'caller';
      accountTrusted ||= kind === 'account';
    }
  }
  return callerTrusted ? 'caller-trusted' : accountTrusted ? 'account-trusted' : 'denied';
}

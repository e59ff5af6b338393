/**
 * Authorization of a call against the caller's identity policies, with AWS's AccessDenied
 * wording (iam-api.md §3): "User: <arn> is not authorized to perform: <action> on resource:
 * <arn> because no identity-based policy allows the <action> action".
 */
import { type Caller, callerContext, callerPolicies } from '../auth/caller.ts';
import { IamError } from '../protocol/iam-error.ts';
import { type Evaluation, evaluatePolicies } from './evaluate-policies.ts';

export function accessDenied(
  callerArn: string,
  action: string,
  resource: string,
  why?: string,
): IamError {
  return new IamError(
    'AccessDenied',
    403,
    `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}${why === undefined ? '' : ` ${why}`}`,
  );
}

export function evaluateCaller(
  caller: Caller,
  accountId: string,
  action: string,
  resource: string,
): Evaluation {
  return evaluatePolicies(
    callerPolicies(caller),
    action,
    resource,
    callerContext(caller, accountId),
  );
}

export function authorize(
  caller: Caller,
  accountId: string,
  action: string,
  resource: string,
): void {
  const { decision } = evaluateCaller(caller, accountId, action, resource);
  if (decision === 'explicitDeny') {
    throw accessDenied(
      caller.arn,
      action,
      resource,
      'with an explicit deny in an identity-based policy',
    );
  }
  if (decision === 'implicitDeny') {
    throw accessDenied(
      caller.arn,
      action,
      resource,
      `because no identity-based policy allows the ${action} action`,
    );
  }
}

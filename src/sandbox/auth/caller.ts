/** Who signed a request: an IAM user (long-term key) or an assumed-role session. */
import type { NamedPolicy } from '../policy/evaluate-policies.ts';
import type { SessionRecord, UserRecord } from '../state/records.ts';

export type Caller =
  | { kind: 'user'; user: UserRecord; accessKeyId: string; arn: string; userId: string }
  | {
      kind: 'session';
      session: SessionRecord;
      accessKeyId: string;
      arn: string;
      /** `<roleId>:<session>`, as GetCallerIdentity reports it. */
      userId: string;
    };

export function callerPolicies(caller: Caller): Iterable<NamedPolicy> {
  return caller.kind === 'user'
    ? caller.user.policies.values()
    : caller.session.role.policies.values();
}

/** Context keys a policy condition can test (`aws:username`, `aws:PrincipalArn`, …). */
export function callerContext(caller: Caller, accountId: string): Record<string, string> {
  const base = {
    'aws:PrincipalArn': caller.kind === 'user' ? caller.arn : caller.session.role.arn,
    'aws:PrincipalAccount': accountId,
    'aws:userid': caller.userId,
    'aws:PrincipalType': caller.kind === 'user' ? 'User' : 'AssumedRole',
  };
  return caller.kind === 'user' ? { ...base, 'aws:username': caller.user.userName } : base;
}

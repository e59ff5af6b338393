/**
 * Changes the demo makes in the sandbox as its administrator, behind iam-pam's back (as
 * someone would in the AWS console): iam-pam learns of them only by asking IAM.
 */
import type { Sandbox } from '../sandbox/create-sandbox.ts';

function xmlValue(xml: string, tag: string): string {
  const value = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  if (value === undefined) {
    throw new Error(`sandbox: no <${tag}> in its answer`);
  }
  return value;
}

export interface DemoPrincipal {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A user with an inline policy and one access key: the principal a provider signs as. */
export function createPrincipal(
  sandbox: Sandbox,
  userName: string,
  policy: { name: string; document: object },
): DemoPrincipal {
  sandbox.asAdmin('CreateUser', { UserName: userName, Path: '/iam-pam/' });
  putUserPolicy(sandbox, userName, policy);
  const created = sandbox.asAdmin('CreateAccessKey', { UserName: userName });
  return {
    userName,
    accessKeyId: xmlValue(created, 'AccessKeyId'),
    secretAccessKey: xmlValue(created, 'SecretAccessKey'),
  };
}

export function putUserPolicy(
  sandbox: Sandbox,
  userName: string,
  policy: { name: string; document: object },
): void {
  sandbox.asAdmin('PutUserPolicy', {
    UserName: userName,
    PolicyName: policy.name,
    PolicyDocument: JSON.stringify(policy.document),
  });
}

export function setAccessKeyStatus(
  sandbox: Sandbox,
  userName: string,
  accessKeyId: string,
  status: 'Active' | 'Inactive',
): void {
  sandbox.asAdmin('UpdateAccessKey', {
    UserName: userName,
    AccessKeyId: accessKeyId,
    Status: status,
  });
}

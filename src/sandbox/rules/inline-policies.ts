/**
 * Inline policies of users and roles: put (replace by name), delete, and the aggregate size
 * quotas (2,048 characters per user, 10,240 per role, whitespace not counted).
 */
import type { NamedPolicy } from '../policy/evaluate-policies.ts';
import { parsePolicyDocument } from '../policy/policy-document.ts';
import { IamError, limitExceeded } from '../protocol/iam-error.ts';

export const USER_INLINE_POLICY_CHARS = 2048;
export const ROLE_INLINE_POLICY_CHARS = 10240;

const size = (text: string) => text.replace(/\s/g, '').length;

export function putInlinePolicy(
  policies: Map<string, NamedPolicy>,
  name: string,
  text: string,
  quota: { chars: number; owner: string },
): void {
  const document = parsePolicyDocument(text, 'identity');
  let total = size(text);
  for (const [existing, policy] of policies) {
    if (existing !== name) {
      total += size(policy.document.text);
    }
  }
  if (total > quota.chars) {
    throw limitExceeded(`Maximum policy size of ${quota.chars} bytes exceeded for ${quota.owner}`);
  }
  policies.set(name, { name, document });
}

export function deleteInlinePolicy(
  policies: Map<string, NamedPolicy>,
  name: string,
  kind: 'user' | 'role',
): void {
  if (!policies.delete(name)) {
    throw new IamError(
      'NoSuchEntity',
      404,
      `The ${kind} policy with name ${name} cannot be found.`,
    );
  }
}

/**
 * Password checks for CreateLoginProfile and UpdateLoginProfile. With no custom policy, AWS's
 * default applies: 8–128 characters and three of the four character classes (iam-api.md §6);
 * a custom policy sets its own minimum and required classes, and may forbid reusing the last
 * N passwords of a user.
 */
import { createHash } from 'node:crypto';

import { IamError } from '../protocol/iam-error.ts';
import type { PasswordPolicyRecord, UserRecord } from '../state/records.ts';

/** AWS's non-alphanumeric characters for passwords. */
const SYMBOLS = new Set("!@#$%^&*()_+-=[]{}|'".split(''));

const CLASSES = [
  {
    test: (c: string) => c >= 'A' && c <= 'Z',
    text: 'Password should have at least one uppercase letter',
  },
  {
    test: (c: string) => c >= 'a' && c <= 'z',
    text: 'Password should have at least one lowercase letter',
  },
  { test: (c: string) => c >= '0' && c <= '9', text: 'Password should have at least one number' },
  { test: (c: string) => SYMBOLS.has(c), text: 'Password should have at least one symbol' },
] as const;

/**
 * The sandbox's wording for a reused password. AWS's exact text is not recorded anywhere we
 * could check; this one is fixed so tests can match it.
 */
export const PASSWORD_REUSED_MESSAGE = 'Password has been used recently and cannot be reused.';

const violation = (message: string) => new IamError('PasswordPolicyViolation', 400, message);

function classesPresent(password: string): boolean[] {
  const chars = password.split('');
  return CLASSES.map((c) => chars.some(c.test));
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/** Throws PasswordPolicyViolation when `password` breaks the account's (or the default) policy. */
export function checkPassword(
  password: string,
  policy: PasswordPolicyRecord | undefined,
  user: UserRecord,
): void {
  const present = classesPresent(password);
  if (policy === undefined) {
    if (password.length < 8) {
      throw violation('Password should have a minimum length of 8');
    }
    const missing = CLASSES.filter((_, i) => present[i] !== true);
    const needed = 3 - (CLASSES.length - missing.length);
    if (needed > 0) {
      throw violation(
        `Password should meet ${needed} more of the following requirements: ${missing.map((c) => c.text).join(', ')}`,
      );
    }
    return;
  }
  if (password.length < policy.minimumPasswordLength) {
    throw violation(`Password should have a minimum length of ${policy.minimumPasswordLength}`);
  }
  const required = [
    policy.requireUppercaseCharacters,
    policy.requireLowercaseCharacters,
    policy.requireNumbers,
    policy.requireSymbols,
  ];
  const firstMissing = CLASSES.find((_, i) => required[i] === true && present[i] !== true);
  if (firstMissing !== undefined) {
    throw violation(firstMissing.text);
  }
  const remembered = policy.passwordReusePrevention ?? 0;
  if (remembered > 0 && user.passwordHistory.slice(-remembered).includes(hashPassword(password))) {
    throw violation(PASSWORD_REUSED_MESSAGE);
  }
}

/** Remembers a password that was just set (24 is AWS's largest PasswordReusePrevention). */
export function rememberPassword(user: UserRecord, password: string): void {
  user.passwordHistory.push(hashPassword(password));
  if (user.passwordHistory.length > 24) {
    user.passwordHistory.shift();
  }
}

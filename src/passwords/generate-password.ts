/**
 * Generates a console password that satisfies a PasswordPolicy, from a cryptographic source.
 *
 * The distribution: each candidate is `length` independent draws from the policy's allowed
 * characters A, each draw `crypto.randomInt(|A|)`, which is uniform without modulo bias (Node
 * rejects the out-of-range tail of its random bytes). So every string of A^length is equally
 * likely, |A|^-length. A candidate that breaks a rule (a required class missing, too few
 * classes, equal to the user name) is thrown away whole and a fresh one drawn: that conditions
 * the uniform distribution on the compliant set C, so each password of C comes out with the same
 * probability, 1/|C|, and nothing else can come out. (Placing one character of each required
 * class and shuffling would instead favour passwords with few characters from small classes.)
 *
 * The cost: the expected number of candidates is 1/P(compliant). For 32 characters and all four
 * classes that is about 1.02; the worst policy resolution can produce (8 characters, all four
 * classes required, 53 excluded characters leaving one lowercase, one digit and one symbol)
 * still accepts about 1 candidate in 94, so MAX_CANDIDATES is reached with a chance below
 * e^-100 unless a policy admits nothing but the user's name.
 */
import { randomInt as cryptoRandomInt } from 'node:crypto';

import { PermanentError } from '../errors.ts';
import { CHARACTER_CLASSES } from './character-classes.ts';
import {
  allowedCharacters,
  describePasswordPolicy,
  isCompliantPassword,
  type PasswordPolicy,
  PREFERRED_PASSWORD_LENGTH,
  unsatisfiableReason,
} from './password-policy.ts';

export const MAX_CANDIDATES = 10_000;

export interface GeneratePasswordOptions {
  /** The IAM user's name: never the password, in any case. */
  userName: string;
  /** A uniform integer in [0, max): `crypto.randomInt` unless a test scripts the draws. */
  randomInt?: (max: number) => number;
}

/** The length we generate: 32, or the nearest length the policy allows. */
export function generatedPasswordLength(policy: PasswordPolicy): number {
  return Math.min(policy.maxLength, Math.max(policy.minLength, PREFERRED_PASSWORD_LENGTH));
}

/**
 * A password that `isCompliantPassword(policy, password, userName)` accepts. Throws
 * PermanentError `password_policy_unsatisfiable` (which never quotes a candidate) when the
 * policy admits no password.
 */
export function generatePassword(policy: PasswordPolicy, options: GeneratePasswordOptions): string {
  const reason = unsatisfiableReason(policy);
  if (reason !== undefined) {
    throw new PermanentError(
      'password_policy_unsatisfiable',
      `No password can satisfy the password policy (${describePasswordPolicy(policy)}): ${reason}`,
    );
  }
  const characters = CHARACTER_CLASSES.map((cls) => allowedCharacters(policy, cls)).join('');
  const length = generatedPasswordLength(policy);
  const draw = options.randomInt ?? ((max: number) => cryptoRandomInt(max));
  for (let candidates = 0; candidates < MAX_CANDIDATES; candidates++) {
    let candidate = '';
    for (let i = 0; i < length; i++) {
      candidate += characters.charAt(draw(characters.length));
    }
    if (isCompliantPassword(policy, candidate, options.userName)) {
      return candidate;
    }
  }
  throw new PermanentError(
    'password_policy_unsatisfiable',
    `No password of ${length} characters satisfying the password policy (${describePasswordPolicy(policy)}) and differing from the user's name turned up in ${MAX_CANDIDATES} random candidates; loosen the policy.`,
  );
}

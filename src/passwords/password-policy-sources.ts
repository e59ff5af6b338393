/**
 * Where password rules come from, each as a PasswordPolicy: AWS's default policy, the account's
 * custom policy, a provider's explicit policy, and DESIGN.md's fallback for an account whose
 * policy cannot be read.
 */
import type { AccountPasswordPolicy } from '../iam/iam-gateway.ts';
import type { ExplicitPasswordPolicy } from '../providers/lifecycle-policy.ts';
import { CHARACTER_CLASSES, type CharacterClass, CLASS_CHARACTERS } from './character-classes.ts';
import {
  allowedCharacters,
  IAM_MAX_PASSWORD_LENGTH,
  type PasswordPolicy,
  PREFERRED_PASSWORD_LENGTH,
} from './password-policy.ts';

const everyCharacter = (): Record<CharacterClass, string> => ({ ...CLASS_CHARACTERS });

/** In force while an account has no custom policy: 8–128 characters, 3 of the 4 classes (iam-api.md §6). */
export function awsDefaultPasswordPolicy(): PasswordPolicy {
  return {
    minLength: 8,
    maxLength: IAM_MAX_PASSWORD_LENGTH,
    requiredClasses: [],
    minClassesPresent: 3,
    alphabet: everyCharacter(),
  };
}

/**
 * An account's custom policy. Only its length and classes constrain what we generate: reuse
 * prevention remembers at most 24 passwords, which a random one repeats with a chance of 24 in
 * (alphabet size)^length, below 10^-8 for any policy we generate for (at least 18 characters
 * to draw from, at least 8 long); MaxPasswordAge, HardExpiry and ExpirePasswords say when a password expires
 * (a matter for the rotation schedule), and AllowUsersToChangePassword who may change it.
 */
export function accountPasswordPolicy(account: AccountPasswordPolicy): PasswordPolicy {
  const required: Record<CharacterClass, boolean> = {
    uppercase: account.requireUppercaseCharacters,
    lowercase: account.requireLowercaseCharacters,
    numbers: account.requireNumbers,
    symbols: account.requireSymbols,
  };
  return {
    minLength: account.minimumPasswordLength,
    maxLength: IAM_MAX_PASSWORD_LENGTH,
    requiredClasses: CHARACTER_CLASSES.filter((cls) => required[cls]),
    minClassesPresent: 0,
    alphabet: everyCharacter(),
  };
}

/** A provider's explicit `passwordPolicy` (its lifecycle policy, CONTRACT.md). */
export function explicitPasswordPolicy(explicit: ExplicitPasswordPolicy): PasswordPolicy {
  const required: Record<CharacterClass, boolean> = {
    uppercase: explicit.requireUppercase,
    lowercase: explicit.requireLowercase,
    numbers: explicit.requireNumbers,
    symbols: explicit.requireSymbols,
  };
  const alphabet = everyCharacter();
  for (const cls of CHARACTER_CLASSES) {
    alphabet[cls] = [...alphabet[cls]]
      .filter((c) => !explicit.excludeCharacters.includes(c))
      .join('');
  }
  return {
    minLength: explicit.minLength,
    maxLength: explicit.maxLength,
    requiredClasses: CHARACTER_CLASSES.filter((cls) => required[cls]),
    minClassesPresent: 0,
    alphabet,
  };
}

/**
 * DESIGN.md's rules when the account's policy cannot be read: 32 characters (or the explicit
 * policy's minimum, if longer, within its maximum) with every class that has characters left,
 * which AWS's default and common policies accept. A rejection is then the rotation's to handle.
 */
export function fallbackPasswordPolicy(explicit: PasswordPolicy | undefined): PasswordPolicy {
  const base = explicit ?? { ...awsDefaultPasswordPolicy(), minClassesPresent: 0 };
  const length = Math.min(base.maxLength, Math.max(PREFERRED_PASSWORD_LENGTH, base.minLength));
  return {
    minLength: length,
    maxLength: length,
    requiredClasses: CHARACTER_CLASSES.filter((cls) => allowedCharacters(base, cls) !== ''),
    minClassesPresent: base.minClassesPresent,
    alphabet: { ...base.alphabet },
  };
}

/**
 * A password policy as a plain value: the rules every password we generate satisfies. It is
 * JSON as it stands, so a rotation can journal the policy it generated against and put its
 * description in a result or an error.
 */
import {
  CHARACTER_CLASSES,
  type CharacterClass,
  CLASS_CHARACTERS,
  classOf,
  listClasses,
} from './character-classes.ts';

/** IAM's limit for a login profile's password (iam-api.md §5). */
export const IAM_MAX_PASSWORD_LENGTH = 128;

/**
 * The length we generate when a policy allows it (clamped into its bounds), and DESIGN.md's
 * length when the account's policy cannot be read: AWS's default and common policies accept it,
 * and 32 characters from our 82 carry about 200 bits.
 */
export const PREFERRED_PASSWORD_LENGTH = 32;

export interface PasswordPolicy {
  /** Fewest characters, 1–128. */
  minLength: number;
  /** Most characters, minLength–128. */
  maxLength: number;
  /** Classes every password contains at least one character of, in CHARACTER_CLASSES order. */
  requiredClasses: CharacterClass[];
  /** How many of the four classes every password draws from at least: 3 under AWS's default policy, else 0. */
  minClassesPresent: number;
  /** The characters a password may use, per class: CLASS_CHARACTERS less any excluded ones. */
  alphabet: Record<CharacterClass, string>;
}

/** What a policy allows: its characters per class, in our order, without duplicates. */
export function allowedCharacters(policy: PasswordPolicy, cls: CharacterClass): string {
  return [...CLASS_CHARACTERS[cls]].filter((c) => policy.alphabet[cls].includes(c)).join('');
}

/** One line for results and errors: `20–128 characters; requires uppercase and numbers`. */
export function describePasswordPolicy(policy: PasswordPolicy): string {
  const { minLength, maxLength, requiredClasses, minClassesPresent } = policy;
  const parts = [
    minLength === maxLength ? `${minLength} characters` : `${minLength}–${maxLength} characters`,
  ];
  if (requiredClasses.length > 0) {
    parts.push(`requires ${listClasses(requiredClasses)}`);
  }
  if (minClassesPresent > requiredClasses.length) {
    parts.push(`at least ${minClassesPresent} of ${listClasses(CHARACTER_CLASSES)}`);
  }
  const excluded = CHARACTER_CLASSES.flatMap((cls) =>
    [...CLASS_CHARACTERS[cls]].filter((c) => !policy.alphabet[cls].includes(c)),
  ).join('');
  if (excluded !== '') {
    parts.push(`excluding ${JSON.stringify(excluded)}`);
  }
  return parts.join('; ');
}

/**
 * Why no password can satisfy `policy`, as a clause ("a minimum of 20 characters exceeds the
 * maximum of 16"), or undefined when one can.
 */
export function unsatisfiableReason(policy: PasswordPolicy): string | undefined {
  const { minLength, maxLength, requiredClasses, minClassesPresent } = policy;
  if (minLength > maxLength) {
    return `a minimum of ${minLength} characters exceeds the maximum of ${maxLength}`;
  }
  if (!Number.isInteger(minLength) || minLength < 1 || maxLength > IAM_MAX_PASSWORD_LENGTH) {
    return `the length ${minLength}–${maxLength} lies outside IAM's 1–${IAM_MAX_PASSWORD_LENGTH}`;
  }
  const available = CHARACTER_CLASSES.filter((cls) => allowedCharacters(policy, cls) !== '');
  const emptied = requiredClasses.filter((cls) => !available.includes(cls));
  if (emptied.length > 0) {
    return emptied.length === 1
      ? `the required class ${listClasses(emptied)} has no characters left`
      : `the required classes ${listClasses(emptied)} have no characters left`;
  }
  if (available.length === 0) {
    return 'every character is excluded';
  }
  if (available.length < minClassesPresent) {
    return `${minClassesPresent} of the 4 classes are needed but only ${listClasses(available)} ${available.length === 1 ? 'has' : 'have'} characters left`;
  }
  const classesNeeded = Math.max(requiredClasses.length, minClassesPresent);
  if (classesNeeded > maxLength) {
    return `${classesNeeded} classes are needed within at most ${maxLength} characters`;
  }
  return undefined;
}

/**
 * The stricter of each rule: the longer minimum, the shorter maximum, every class either
 * requires, the larger at-least-N rule, and only characters both allow. The result may be
 * unsatisfiable: check it with `unsatisfiableReason`.
 */
export function intersectPasswordPolicies(a: PasswordPolicy, b: PasswordPolicy): PasswordPolicy {
  const alphabet = {} as Record<CharacterClass, string>;
  for (const cls of CHARACTER_CLASSES) {
    alphabet[cls] = [...allowedCharacters(a, cls)]
      .filter((c) => b.alphabet[cls].includes(c))
      .join('');
  }
  return {
    minLength: Math.max(a.minLength, b.minLength),
    maxLength: Math.min(a.maxLength, b.maxLength),
    requiredClasses: CHARACTER_CLASSES.filter(
      (cls) => a.requiredClasses.includes(cls) || b.requiredClasses.includes(cls),
    ),
    minClassesPresent: Math.max(a.minClassesPresent, b.minClassesPresent),
    alphabet,
  };
}

/**
 * Whether `password` satisfies every rule of `policy` and differs from the user's name in any
 * case (IAM names are unique case-insensitively). Only a yes or no: nothing about a password
 * ever goes into a message.
 */
export function isCompliantPassword(
  policy: PasswordPolicy,
  password: string,
  userName: string,
): boolean {
  if (password.length < policy.minLength || password.length > policy.maxLength) {
    return false;
  }
  const present = new Set<CharacterClass>();
  for (const character of password) {
    const cls = classOf(character);
    if (cls === undefined || !policy.alphabet[cls].includes(character)) {
      return false;
    }
    present.add(cls);
  }
  return (
    policy.requiredClasses.every((cls) => present.has(cls)) &&
    present.size >= policy.minClassesPresent &&
    password.toLowerCase() !== userName.toLowerCase()
  );
}

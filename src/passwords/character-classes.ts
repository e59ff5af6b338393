/**
 * The four character classes of IAM's password rules and the characters we generate from.
 *
 * IAM accepts any of tab, LF, CR and U+0020–U+00FF in a password (the API model's pattern;
 * the quotas page says basic Latin), but a policy's "symbol" is only one of the 20 characters
 * AWS lists for `RequireSymbols` and for its default policy (iam-api.md §6). We generate from
 * letters, digits and those 20 symbols alone, all within printable ASCII 0x21–0x7E: every
 * character then counts toward exactly one class as AWS documents it, and none needs escaping
 * in a shell, JSON or a URL form (no space, quote, backslash or backtick).
 */

export const CHARACTER_CLASSES = ['uppercase', 'lowercase', 'numbers', 'symbols'] as const;

export type CharacterClass = (typeof CHARACTER_CLASSES)[number];

/** Every character we may generate, per class, before any exclusion. */
export const CLASS_CHARACTERS: Readonly<Record<CharacterClass, string>> = {
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  numbers: '0123456789',
  symbols: "!@#$%^&*()_+-=[]{}|'",
};

const CLASS_OF = new Map<string, CharacterClass>(
  CHARACTER_CLASSES.flatMap((cls) => [...CLASS_CHARACTERS[cls]].map((c) => [c, cls] as const)),
);

/** The class a character counts toward, or undefined for one outside our alphabet. */
export function classOf(character: string): CharacterClass | undefined {
  return CLASS_OF.get(character);
}

/** `uppercase, lowercase and numbers` */
export function listClasses(classes: readonly string[]): string {
  if (classes.length <= 1) {
    return classes.join('');
  }
  return `${classes.slice(0, -1).join(', ')} and ${classes.at(-1)}`;
}

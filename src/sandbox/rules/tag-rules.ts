/**
 * User tags: at most 50 per request and per user, keys 1–128 and values 0–256 characters of
 * letters, digits, spaces and `_ . : / = + - @`, keys unique regardless of case (iam-api.md
 * §4.11, §5). Shape problems are ValidationErrors, found before the user is looked up.
 */
import { invalidInput, limitExceeded } from '../protocol/iam-error.ts';
import type { QueryParams } from '../protocol/query-params.ts';
import { TAG_KEY, TAG_VALUE } from '../protocol/shapes.ts';
import type { Validator } from '../protocol/validator.ts';
import type { TagRecord, UserRecord } from '../state/records.ts';

export const MAX_TAGS = 50;

const TAG_KEYS_CONSTRAINTS =
  'Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null';

function checkPart(
  v: Validator,
  field: string,
  value: string | undefined,
  shape: typeof TAG_KEY,
): void {
  if (value === undefined) {
    v.violation(field, 'Member must not be null', null);
    return;
  }
  if (value.length < shape.min) {
    v.violation(field, `Member must have length greater than or equal to ${shape.min}`, value);
  }
  if (value.length > shape.max) {
    v.violation(field, `Member must have length less than or equal to ${shape.max}`, value);
  }
  if (shape.pattern !== undefined && !shape.pattern.test(value)) {
    v.violation(
      field,
      `Member must satisfy regular expression pattern: ${shape.patternText ?? ''}`,
      value,
    );
  }
}

/** Reads and validates `Tags.member.N.{Key,Value}`. */
export function readTags(
  v: Validator,
  params: QueryParams,
  required: boolean,
): TagRecord[] | undefined {
  const list = params.structList('Tags', ['Key', 'Value'] as const);
  if (list === undefined) {
    if (required) {
      v.violation('tags', 'Member must not be null', null);
    }
    return undefined;
  }
  if (list.length > MAX_TAGS) {
    v.violation('tags', `Member must have length less than or equal to ${MAX_TAGS}`);
  }
  list.forEach((tag, i) => {
    checkPart(v, `tags.${i + 1}.member.key`, tag.Key, TAG_KEY);
    checkPart(v, `tags.${i + 1}.member.value`, tag.Value, TAG_VALUE);
  });
  return list.map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' }));
}

/** Reads and validates `TagKeys.member.N`. */
export function readTagKeys(v: Validator, required: boolean): string[] | undefined {
  return v.stringList('TagKeys', 'tagKeys', {
    shape: TAG_KEY,
    maxItems: MAX_TAGS,
    required,
    combined: TAG_KEYS_CONSTRAINTS,
  });
}

/** Rules checked after the shape: duplicates (case-insensitive) and the reserved prefix. */
export function checkTagSemantics(tags: readonly TagRecord[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const lower = tag.key.toLowerCase();
    if (seen.has(lower)) {
      throw invalidInput(
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    seen.add(lower);
    // [INFERRED] AWS's wording for the reserved prefix is not recorded; the rule is documented.
    if (lower.startsWith('aws:')) {
      throw invalidInput(`User tag keys and values cannot begin with the reserved prefix 'aws:'.`);
    }
  }
}

/** Adds or overwrites tags (a key in another case replaces the tag); the 50-tag quota holds. */
export function applyTags(user: UserRecord, tags: readonly TagRecord[]): void {
  const added = tags.filter((tag) => !user.tags.has(tag.key.toLowerCase())).length;
  if (user.tags.size + added > MAX_TAGS) {
    throw limitExceeded('The number of tags has reached the maximum limit.');
  }
  for (const tag of tags) {
    user.tags.set(tag.key.toLowerCase(), { key: tag.key, value: tag.value });
  }
}

export function sortedTags(user: UserRecord): TagRecord[] {
  return [...user.tags.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, tag]) => tag);
}

/** Zod's verdict as people read it: one line naming each field and what is wrong with it. */
import { z } from 'zod';

import { invalidInput } from './errors.ts';

const ISSUES_SHOWN = 3;

/**
 * `policy.rotateEveryDays: Too big: expected number to be <=3650; kind: …`. `root` prefixes
 * every path and names the input itself (`(input)` without a root).
 */
export function describeZodError(error: z.ZodError, root = ''): string {
  const described = error.issues.slice(0, ISSUES_SHOWN).map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(input)'}: ${issue.message}`;
  });
  const more = error.issues.length - ISSUES_SHOWN;
  return more > 0 ? `${described.join('; ')}; and ${more} more` : described.join('; ');
}

/** The value `schema` makes of `value`; bad input is refused (`invalid_input`) naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, root = ''): T {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    throw invalidInput(describeZodError(parsed.error, root));
  }
  return parsed.data;
}

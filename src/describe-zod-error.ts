/** One line naming the field and what is wrong, from a zod error: `policy.rotateEveryDays: …`. */
import type { z } from 'zod';

export function describeZodError(error: z.ZodError, root = ''): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(body)'}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates a payload against its contract, at enqueue time (fail fast) and again at run time
 * (queued jobs outlive the code that queued them). The error names each field on one line.
 */
import { z } from 'zod';

import { PermanentError } from '../errors.ts';
import type { JobContract, PayloadOf } from './define-job.ts';

/** `provider: Invalid input: expected string, received number; userName: …` */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(payload)'}: ${issue.message}`,
    )
    .join('; ');
}

export function parsePayload<C extends JobContract>(contract: C, input: unknown): PayloadOf<C> {
  // The function form infers the schema; `contract.payload.safeParse` would yield unknown here.
  const parsed = z.safeParse(contract.payload, input);
  if (!parsed.success) {
    throw new PermanentError(
      'invalid_payload',
      `${contract.name}: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data as PayloadOf<C>;
}

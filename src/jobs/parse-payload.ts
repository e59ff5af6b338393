/**
 * Validates a payload against its contract, at enqueue time (fail fast) and again at run time
 * (queued jobs outlive the code that queued them). The error names each field on one line.
 */
import { z } from 'zod';

import { describeZodError } from '../describe-zod-error.ts';
import { PermanentError } from '../errors.ts';
import type { JobContract, PayloadOf } from './define-job.ts';

export function parsePayload<C extends JobContract>(contract: C, input: unknown): PayloadOf<C> {
  // The function form infers the schema; `contract.payload.safeParse` would yield unknown here.
  const parsed = z.safeParse(contract.payload, input);
  if (!parsed.success) {
    throw new PermanentError(
      'invalid_payload',
      `${contract.name}: ${describeZodError(parsed.error)}`,
    );
  }
  return parsed.data as PayloadOf<C>;
}

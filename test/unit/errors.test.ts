/** The error catalogue keeps CONTRACT.md's exit codes: what does not exist is 2 (404); refusals are 1. */
import { describe, expect, it } from 'vitest';

import { ERROR_CODES, type ErrorCode } from '../../src/errors.ts';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error catalogue', () => {
  it('exits 2 for every code that answers 404 (a provider, account, IAM user or job that does not exist)', () => {
    const notFound = codes.filter((code) => ERROR_CODES[code].http === 404);
    expect(notFound).toEqual(
      expect.arrayContaining(['not_found', 'user_missing', 'entity_missing', 'unknown_job']),
    );
    expect(notFound.filter((code) => ERROR_CODES[code].exit !== 2)).toEqual([]);
  });

  it('refuses a secret that is not known with exit 1 and 409, not as something missing', () => {
    expect(ERROR_CODES.secret_unknown).toEqual({ exit: 1, http: 409 });
  });

  it('keeps a job removed while waited for a bad outcome (exit 1, 410 Gone)', () => {
    expect(ERROR_CODES.job_removed).toMatchObject({ exit: 1, http: 410 });
  });
});

/** How failures are written and read back, and which retention settings are accepted. */
import { describe, expect, it } from 'vitest';

import { checkRetention, RETENTION } from '../../../src/producers/retention.ts';
import { formatFailure, reasonOf } from '../../../src/queue/failure-reason.ts';

describe('failure reasons', () => {
  it('prefix the text with a snake_case reason, once', () => {
    expect(formatFailure('invalid_payload', 'provider: required')).toBe(
      'invalid_payload: provider: required',
    );
    expect(formatFailure('iam_unavailable', 'iam_unavailable: 503')).toBe('iam_unavailable: 503');
  });

  it("read our reason back, name BullMQ's own failures, and call the rest internal", () => {
    expect(reasonOf('needs_decision: two foreign keys')).toBe('needs_decision');
    expect(reasonOf('job stalled more than allowable limit')).toBe('worker_lost');
    expect(reasonOf('job started more than allowable limit')).toBe('too_many_starts');
    expect(reasonOf('GetUser: Throttling: Rate exceeded')).toBe('internal');
    expect(reasonOf(undefined)).toBeUndefined();
  });
});

describe('retention', () => {
  it('keeps completed jobs for the 24 h Idempotency-Key window and failed ones longer', () => {
    expect(RETENTION.completed.age).toBeGreaterThanOrEqual(24 * 3600);
    expect(RETENTION.failed.age).toBeGreaterThan(RETENTION.completed.age);
  });

  it('refuses booleans (they break BullMQ workers), counts and windows shorter than 24 h', () => {
    expect(() => checkRetention({ completed: true as never, failed: { age: 3600 } })).toThrow(
      /booleans break BullMQ/,
    );
    expect(() =>
      checkRetention({ completed: { age: 86_400, count: 10 }, failed: { age: 3600 } }),
    ).toThrow(/count/);
    expect(() => checkRetention({ completed: { age: 3600 }, failed: { age: 3600 } })).toThrow(
      /Idempotency-Key/,
    );
  });
});

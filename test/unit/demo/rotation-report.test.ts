/** The rotation steps' lines: steps with their times, key ids, and IAM calls counted by action. */
import { describe, expect, it } from 'vitest';

import {
  describeCalls,
  describeKeys,
  describeSteps,
} from '../../../src/demo/steps/rotation-report.ts';
import type { RequestLogEntry } from '../../../src/sandbox/admin/request-log.ts';

const call = (seq: number, action: string): RequestLogEntry => ({
  seq,
  at: '2026-01-01T00:00:00.000Z',
  accountId: null,
  accessKeyId: null,
  action,
  params: { UserName: 'alice' },
  status: 200,
  code: null,
});

describe('rotation report', () => {
  it('lists the steps in order with their times', () => {
    const result = {
      account: 'demo/alice/access-key',
      steps: [
        { step: 'plan', ms: 12 },
        { step: 'create', ms: 3 },
      ],
    };
    expect(describeSteps(result)).toBe('plan 12 ms → create 3 ms');
  });

  it('names the old and the new key, or none', () => {
    expect(
      describeKeys({
        account: 'a',
        oldAccessKeyId: 'AKIAOLD',
        newAccessKeyId: 'AKIANEW',
        steps: [],
      }),
    ).toBe('key AKIAOLD → AKIANEW');
    expect(describeKeys({ account: 'a', newAccessKeyId: 'AKIANEW', steps: [] })).toBe(
      'key (none) → AKIANEW',
    );
  });

  it('counts the calls by action, in the order first seen', () => {
    const calls = ['ListAccessKeys', 'ListUserTags', 'CreateAccessKey', 'ListUserTags'].map(
      (action, i) => call(i + 1, action),
    );
    expect(describeCalls(calls)).toBe('ListAccessKeys, ListUserTags ×2, CreateAccessKey');
  });
});

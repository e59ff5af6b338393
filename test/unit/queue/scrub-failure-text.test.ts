/** A job's failure text as shown (dead-letter, job status, dashboard): secret-named fields censored, the rest kept. */
import { describe, expect, it } from 'vitest';

import { scrubFailureText } from '../../../src/queue/failure-reason.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('scrubFailureText', () => {
  it('censors the value of every secret-named field, however it is written', () => {
    const text = `internal: {"SecretAccessKey":"${SECRET}","AccessKeyId":"AKIAIOSFODNN7EXAMPLE"} secretAccessKey=${SECRET}; { password: '${SECRET}' } Token: ${SECRET}`;
    const scrubbed = scrubFailureText(text);
    expect(scrubbed).not.toContain(SECRET);
    expect(scrubbed).toBe(
      'internal: {"SecretAccessKey":"[Redacted]","AccessKeyId":"AKIAIOSFODNN7EXAMPLE"} secretAccessKey=[Redacted]; { password: \'[Redacted]\' } Token: [Redacted]',
    );
  });

  it('keeps the leading reason, even one that names a kind of secret', () => {
    const text = 'password_policy_violation: the password must have 20 characters';
    expect(scrubFailureText(text)).toBe(text);
  });

  it('keeps fields that hold no secret', () => {
    const text = 'lease_lost: fencingToken=12 userName=alice accessKeyId: AKIAIOSFODNN7EXAMPLE';
    expect(scrubFailureText(text)).toBe(text);
  });

  it('censors a leading secret-named field that is not one of our reasons', () => {
    expect(scrubFailureText(`password: ${SECRET}`)).toBe('password: [Redacted]');
    expect(scrubFailureText(`Error: boom password=${SECRET}`)).toBe(
      'Error: boom password=[Redacted]',
    );
  });

  it('censors a credential after its scheme, and a secret with spaces, to the end of the item', () => {
    expect(scrubFailureText(`x: sent Authorization: Bearer ${SECRET}\nnext line`)).toBe(
      'x: sent Authorization: [Redacted]\nnext line',
    );
    expect(scrubFailureText('password: correct horse battery staple; userName=alice')).toBe(
      'password: [Redacted]; userName=alice',
    );
  });

  it("keeps IAM's error codes that merely sound like secrets", () => {
    const text =
      'iam_unavailable: GetUser: ExpiredToken: The security token included in the request is expired';
    expect(scrubFailureText(text)).toBe(text);
    const policy =
      'password_policy_violation: PasswordPolicyViolation: Password should have at least one number';
    expect(scrubFailureText(policy)).toBe(policy);
  });

  it('leaves a scrubbed text as it is (texts are scrubbed when stored and when shown)', () => {
    for (const text of [
      `internal: password: ${SECRET}`,
      `internal: secretAccessKey=${SECRET} and more, x`,
      `iam_rejected_input: {"SecretAccessKey":"${SECRET}"}`,
      `x: Authorization: Bearer ${SECRET}`,
    ]) {
      const once = scrubFailureText(text);
      expect(scrubFailureText(once)).toBe(once);
    }
  });
});

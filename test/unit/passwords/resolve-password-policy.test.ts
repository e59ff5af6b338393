/** Resolving a provider's password policy against the account's: sources, intersection, fallback, conflicts. */
import { describe, expect, it } from 'vitest';

import { PermanentError, TransientError } from '../../../src/errors.ts';
import type { AccountPasswordPolicy } from '../../../src/iam/iam-gateway.ts';
import {
  describePasswordPolicy,
  intersectPasswordPolicies,
  type PasswordPolicy,
} from '../../../src/passwords/password-policy.ts';
import {
  awsDefaultPasswordPolicy,
  explicitPasswordPolicy,
} from '../../../src/passwords/password-policy-sources.ts';
import { resolvePasswordPolicy } from '../../../src/passwords/resolve-password-policy.ts';
import {
  type ExplicitPasswordPolicy,
  lifecyclePolicySchema,
} from '../../../src/providers/lifecycle-policy.ts';
import { formatFailure, scrubFailureText } from '../../../src/queue/failure-reason.ts';

const CONTEXT = { provider: 'prod' };

function accountReader(answer: AccountPasswordPolicy | undefined | Error) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async getAccountPasswordPolicy() {
      calls++;
      if (answer instanceof Error) {
        throw answer;
      }
      return answer;
    },
  };
}

const account = (overrides: Partial<AccountPasswordPolicy> = {}): AccountPasswordPolicy => ({
  minimumPasswordLength: 20,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
  passwordReusePrevention: 24,
  ...overrides,
});

/** A lifecycle `passwordPolicy` as the schema fills it in. */
const explicit = (fields: Record<string, unknown>): ExplicitPasswordPolicy => {
  const setting = lifecyclePolicySchema.parse({ passwordPolicy: fields }).passwordPolicy;
  if (typeof setting === 'string') {
    throw new Error('expected an explicit policy');
  }
  return setting;
};

const denied = () =>
  new PermanentError(
    'permission_denied',
    'GetAccountPasswordPolicy: AccessDenied: User: arn:aws:iam::123456789012:user/pam is not authorized to perform: iam:GetAccountPasswordPolicy',
  );

async function rejection(promise: Promise<unknown>): Promise<PermanentError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PermanentError);
  return err as PermanentError;
}

describe('the password policy, resolved', () => {
  it("aws-default is AWS's default policy, without reading the account", async () => {
    const iam = accountReader(account());
    const resolved = await resolvePasswordPolicy('aws-default', iam, CONTEXT);
    expect(iam.calls).toBe(0);
    expect(resolved).toMatchObject({ account: 'not_read', note: undefined });
    expect(resolved.policy).toMatchObject({
      minLength: 8,
      maxLength: 128,
      requiredClasses: [],
      minClassesPresent: 3,
    });
    expect(resolved.description).toBe(
      '8–128 characters; at least 3 of uppercase, lowercase, numbers and symbols',
    );
  });

  it("aws-account follows the account's custom policy: its length and classes, nothing else", async () => {
    const resolved = await resolvePasswordPolicy(
      'aws-account',
      accountReader(account({ requireSymbols: false, requireLowercaseCharacters: false })),
      CONTEXT,
    );
    expect(resolved.account).toBe('custom');
    expect(resolved.policy).toEqual({
      minLength: 20,
      maxLength: 128,
      requiredClasses: ['uppercase', 'numbers'],
      minClassesPresent: 0,
      alphabet: awsDefaultPasswordPolicy().alphabet,
    });
    expect(resolved.description).toBe('20–128 characters; requires uppercase and numbers');
  });

  it('aws-account with no custom policy on the account (NoSuchEntity) is the AWS default', async () => {
    const resolved = await resolvePasswordPolicy('aws-account', accountReader(undefined), CONTEXT);
    expect(resolved.account).toBe('aws_default');
    expect(resolved.policy).toEqual(awsDefaultPasswordPolicy());
  });

  it('an explicit policy takes the stricter of each rule from the account', async () => {
    const resolved = await resolvePasswordPolicy(
      explicit({
        minLength: 16,
        maxLength: 40,
        requireUppercase: false,
        requireLowercase: true,
        requireNumbers: false,
        requireSymbols: false,
        excludeCharacters: 'O0Il1|',
      }),
      accountReader(account({ minimumPasswordLength: 24, requireSymbols: false })),
      CONTEXT,
    );
    expect(resolved.policy).toMatchObject({
      minLength: 24,
      maxLength: 40,
      requiredClasses: ['uppercase', 'lowercase', 'numbers'],
      minClassesPresent: 0,
    });
    expect(resolved.policy.alphabet.uppercase).not.toMatch(/[OI]/);
    expect(resolved.policy.alphabet.lowercase).not.toContain('l');
    expect(resolved.policy.alphabet.numbers).toBe('23456789');
    expect(resolved.policy.alphabet.symbols).not.toContain('|');
    expect(resolved.description).toBe(
      '24–40 characters; requires uppercase, lowercase and numbers; excluding "IOl01|"',
    );
  });

  it("an explicit policy keeps AWS default's 3-of-4 rule when the account has no policy", async () => {
    const resolved = await resolvePasswordPolicy(
      explicit({ requireUppercase: false, requireNumbers: false, requireSymbols: false }),
      accountReader(undefined),
      CONTEXT,
    );
    expect(resolved.policy).toMatchObject({
      minLength: 14,
      requiredClasses: ['lowercase'],
      minClassesPresent: 3,
    });
  });

  it('GetAccountPasswordPolicy denied: 32 characters of all four classes, said in a note', async () => {
    const resolved = await resolvePasswordPolicy('aws-account', accountReader(denied()), CONTEXT);
    expect(resolved.account).toBe('unreadable');
    expect(resolved.policy).toMatchObject({
      minLength: 32,
      maxLength: 32,
      requiredClasses: ['uppercase', 'lowercase', 'numbers', 'symbols'],
    });
    expect(resolved.note).toBe(
      "The account's password policy could not be read (iam:GetAccountPasswordPolicy is denied), so passwords follow a fallback (32 characters; requires uppercase, lowercase, numbers and symbols) that AWS's default and common policies accept; allow iam:GetAccountPasswordPolicy to follow the account's own policy.",
    );
  });

  it('denied with an explicit policy: its longer minimum wins, its maximum holds, its exclusions stay', async () => {
    const longer = await resolvePasswordPolicy(
      explicit({ minLength: 40, requireSymbols: false }),
      accountReader(denied()),
      CONTEXT,
    );
    expect(longer.policy).toMatchObject({ minLength: 40, maxLength: 40 });
    expect(longer.policy.requiredClasses).toEqual(['uppercase', 'lowercase', 'numbers', 'symbols']);

    const shorter = await resolvePasswordPolicy(
      explicit({
        minLength: 10,
        maxLength: 16,
        requireSymbols: false,
        excludeCharacters: "!@#$%^&*()_+-=[]{}|'",
      }),
      accountReader(denied()),
      CONTEXT,
    );
    // Every symbol is excluded, so the fallback cannot require one.
    expect(shorter.policy).toMatchObject({
      minLength: 16,
      maxLength: 16,
      requiredClasses: ['uppercase', 'lowercase', 'numbers'],
    });
    expect(shorter.note).toContain('16 characters');
  });

  it('any other IAM error propagates as the gateway classified it', async () => {
    const throttled = new TransientError('iam_throttled', 'GetAccountPasswordPolicy: Throttling');
    await expect(
      resolvePasswordPolicy('aws-account', accountReader(throttled), CONTEXT),
    ).rejects.toBe(throttled);
  });
});

describe('a policy no password can satisfy', () => {
  it('an explicit maximum under the account minimum fails naming both policies', async () => {
    const err = await rejection(
      resolvePasswordPolicy(
        explicit({ minLength: 8, maxLength: 16 }),
        accountReader(account()),
        CONTEXT,
      ),
    );
    expect(err.code).toBe('password_policy_unsatisfiable');
    expect(err.message).toBe(
      "No password can satisfy both the provider's password policy (8–16 characters; requires uppercase, lowercase, numbers and symbols) and the account's password policy (20–128 characters; requires uppercase, lowercase, numbers and symbols): combined, a minimum of 20 characters exceeds the maximum of 16. Change the provider's policy (iam-pam provider policy prod --file F) or the account's.",
    );
    expect(err.detail).toEqual({
      provider: 'prod',
      providerPolicy: '8–16 characters; requires uppercase, lowercase, numbers and symbols',
      accountPolicy: '20–128 characters; requires uppercase, lowercase, numbers and symbols',
    });
  });

  it('excluding every character of a class the account requires fails naming both', async () => {
    const err = await rejection(
      resolvePasswordPolicy(
        explicit({ requireSymbols: false, excludeCharacters: "!@#$%^&*()_+-=[]{}|'" }),
        accountReader(account()),
        CONTEXT,
      ),
    );
    expect(err.message).toContain(
      'provider\'s password policy (14–128 characters; requires uppercase, lowercase and numbers; excluding "!@#$%^&*()_+-=[]{}|\'")',
    );
    expect(err.message).toContain("the account's password policy (20–128 characters;");
    expect(err.message).toContain('combined, the required class symbols has no characters left');
  });

  it("exclusions that leave fewer than 3 classes fail against AWS's default 3-of-4 rule", async () => {
    const err = await rejection(
      resolvePasswordPolicy(
        explicit({
          requireUppercase: false,
          requireNumbers: false,
          requireSymbols: false,
          excludeCharacters: "0123456789!@#$%^&*()_+-=[]{}|'",
        }),
        accountReader(undefined),
        CONTEXT,
      ),
    );
    expect(err.message).toContain(
      "AWS's default password policy, in force on the account (8–128 characters; at least 3 of uppercase, lowercase, numbers and symbols)",
    );
    expect(err.message).toContain(
      'combined, 3 of the 4 classes are needed but only uppercase and lowercase have characters left',
    );
  });

  it('an explicit policy that excludes a class it requires fails before any IAM call', async () => {
    const iam = accountReader(account());
    // Built past the schema, which refuses it when written (see below).
    const setting = { ...explicit({}), excludeCharacters: '0123456789' };
    const err = await rejection(resolvePasswordPolicy(setting, iam, CONTEXT));
    expect(iam.calls).toBe(0);
    expect(err.message).toBe(
      'No password can satisfy the provider\'s password policy (14–128 characters; requires uppercase, lowercase, numbers and symbols; excluding "0123456789"): the required class numbers has no characters left. Change it (iam-pam provider policy prod --file F).',
    );
  });

  it('is refused when written, naming the field', () => {
    const parsed = lifecyclePolicySchema.safeParse({
      passwordPolicy: { requireNumbers: true, excludeCharacters: '0123456789' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['passwordPolicy', 'excludeCharacters'],
        message: 'no password can satisfy it: the required class numbers has no characters left',
      }),
    ]);
    expect(
      lifecyclePolicySchema.safeParse({
        passwordPolicy: { requireNumbers: false, excludeCharacters: '0123456789' },
      }).success,
    ).toBe(true);
  });

  it('every message survives the failure-text scrubber whole (no "password: …" to censor)', async () => {
    const errors = await Promise.all([
      rejection(
        resolvePasswordPolicy(explicit({ maxLength: 16 }), accountReader(account()), CONTEXT),
      ),
      rejection(
        resolvePasswordPolicy(
          explicit({ requireSymbols: false, excludeCharacters: "!@#$%^&*()_+-=[]{}|'" }),
          accountReader(account()),
          CONTEXT,
        ),
      ),
    ]);
    for (const err of errors) {
      const text = formatFailure(err.code, err.message);
      expect(scrubFailureText(text)).toBe(text);
    }
    const note = (await resolvePasswordPolicy('aws-account', accountReader(denied()), CONTEXT))
      .note;
    expect(scrubFailureText(note ?? '')).toBe(note);
  });
});

describe('intersectPasswordPolicies', () => {
  const policy = (overrides: Partial<PasswordPolicy>): PasswordPolicy => ({
    ...awsDefaultPasswordPolicy(),
    minClassesPresent: 0,
    ...overrides,
  });

  it('is symmetric and idempotent', () => {
    const a = explicitPasswordPolicy(
      explicit({ minLength: 10, maxLength: 50, requireSymbols: false, excludeCharacters: 'abc' }),
    );
    const b = policy({ minLength: 12, requiredClasses: ['symbols'], minClassesPresent: 3 });
    expect(intersectPasswordPolicies(a, b)).toEqual(intersectPasswordPolicies(b, a));
    const ab = intersectPasswordPolicies(a, b);
    expect(intersectPasswordPolicies(ab, ab)).toEqual(ab);
    expect(describePasswordPolicy(ab)).toBe(
      '12–50 characters; requires uppercase, lowercase, numbers and symbols; excluding "abc"',
    );
  });
});

/**
 * Password policies resolved from the backend's account policy, and generated passwords sent
 * through our gateway and the real SDK: accepted at the first try by an IAM that enforces the
 * policy, and never quoted in an error or a log line when IAM refuses one.
 */
import { Writable } from 'node:stream';

import {
  DeleteAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PermanentError } from '../../src/errors.ts';
import { createAwsIamGateway } from '../../src/iam/aws-iam-gateway.ts';
import { createIamClients } from '../../src/iam/create-iam-clients.ts';
import type { IamGateway } from '../../src/iam/iam-gateway.ts';
import { createLogger } from '../../src/logger.ts';
import { generatePassword } from '../../src/passwords/generate-password.ts';
import { explicitPasswordPolicy } from '../../src/passwords/password-policy-sources.ts';
import {
  type PasswordPolicySetting,
  resolvePasswordPolicy,
} from '../../src/passwords/resolve-password-policy.ts';
import { lifecyclePolicySchema } from '../../src/providers/lifecycle-policy.ts';
import { formatFailure, scrubFailureText } from '../../src/queue/failure-reason.ts';
import { createIamAdmin, type Credentials, type IamAdmin } from '../support/iam-admin.ts';
import { type IamBackend, unsupportedOn, useIamBackend } from '../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
let gateway: IamGateway;
/** Every HTTP exchange of `gateway`: action and status. */
const exchanges: Array<{ action: string; status: number | undefined }> = [];
const CONTEXT = { provider: 'pw-test' };

function gatewayFor(current: IamBackend, credentials: Credentials, record = false): IamGateway {
  return createAwsIamGateway(
    createIamClients({
      region: current.region,
      iamEndpoint: current.endpoint,
      stsEndpoint: current.endpoint,
      credentials,
      hooks: record
        ? { afterResponse: ({ action, status }) => void exchanges.push({ action, status }) }
        : {},
    }),
  );
}

const explicit = (fields: Record<string, unknown>): PasswordPolicySetting =>
  lifecyclePolicySchema.parse({ passwordPolicy: fields }).passwordPolicy;

/** The acceptance's account policy: 20 characters, all four classes, the last 24 remembered. */
async function setAccountPolicy(): Promise<void> {
  await admin.client.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 20,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      RequireNumbers: true,
      RequireSymbols: true,
      PasswordReusePrevention: 24,
    }),
  );
}

async function deleteAccountPolicy(): Promise<void> {
  await admin.client.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);
}

beforeAll(() => {
  admin = createIamAdmin(backend.current);
  gateway = gatewayFor(backend.current, backend.current.credentials, true);
});

afterAll(async () => {
  await deleteAccountPolicy();
  await admin.cleanup();
});

const enforced = unsupportedOn({
  moto: 'moto enforces no password policy',
});
const permissions = unsupportedOn({ moto: 'moto authorizes every caller' });

describe(`password policy and generation on ${process.env.IAM_TEST_BACKEND}`, () => {
  it("resolves aws-account to AWS's default while the account has no policy", async () => {
    await deleteAccountPolicy();
    const resolved = await resolvePasswordPolicy('aws-account', gateway, CONTEXT);
    expect(resolved).toMatchObject({
      account: 'aws_default',
      description: '8–128 characters; at least 3 of uppercase, lowercase, numbers and symbols',
      note: undefined,
    });
  });

  it("reads the account's policy, and fails naming both when an explicit one contradicts it", async () => {
    await setAccountPolicy();
    try {
      const resolved = await resolvePasswordPolicy('aws-account', gateway, CONTEXT);
      expect(resolved).toMatchObject({
        account: 'custom',
        description: '20–128 characters; requires uppercase, lowercase, numbers and symbols',
      });
      const contradicted = resolvePasswordPolicy(
        explicit({ minLength: 8, maxLength: 16 }),
        gateway,
        CONTEXT,
      );
      await expect(contradicted).rejects.toThrow(PermanentError);
      await expect(contradicted).rejects.toMatchObject({
        code: 'password_policy_unsatisfiable',
        message: expect.stringContaining(
          "both the provider's password policy (8–16 characters; requires uppercase, lowercase, numbers and symbols) and the account's password policy (20–128 characters; requires uppercase, lowercase, numbers and symbols): combined, a minimum of 20 characters exceeds the maximum of 16",
        ),
      });
    } finally {
      await deleteAccountPolicy();
    }
  });

  it.skipIf(enforced.skip)(
    `1,000 generated passwords are accepted at the first try under a 20-character, 4-class account policy${enforced.label}`,
    async () => {
      await setAccountPolicy();
      try {
        const userName = await admin.createUser('pw-accept');
        // Half at our preferred 32 characters, half at exactly the account's minimum of 20.
        const preferred = (await resolvePasswordPolicy('aws-account', gateway, CONTEXT)).policy;
        const shortest = (
          await resolvePasswordPolicy(explicit({ minLength: 20, maxLength: 20 }), gateway, CONTEXT)
        ).policy;
        expect([preferred.minLength, shortest.minLength, shortest.maxLength]).toEqual([20, 20, 20]);
        // The control: this backend does refuse what the policy forbids.
        await expect(
          gateway.createLoginProfile(userName, 'lowercase-only-and-long-enough', false),
        ).rejects.toMatchObject({ code: 'password_policy_violation' });
        exchanges.length = 0;
        let last = generatePassword(preferred, { userName });
        await gateway.createLoginProfile(userName, last, false);
        const lengths = new Set<number>();
        const sandbox = backend.current.sandbox;
        let storedExactly = 0;
        for (let n = 0; n < 1000; n++) {
          last = generatePassword(n % 2 === 0 ? preferred : shortest, { userName });
          lengths.add(last.length);
          await gateway.updateLoginProfile(userName, last, false);
          // Every symbol survives the query encoding: IAM holds what we sent.
          if (sandbox?.user(userName)?.loginProfile?.password === last) {
            storedExactly++;
          }
        }
        // One request per password, each answered 200: nothing was refused or retried.
        expect(exchanges).toHaveLength(1001);
        expect(exchanges.filter((e) => e.status === 200)).toHaveLength(1001);
        expect(exchanges.filter((e) => e.action === 'UpdateLoginProfile')).toHaveLength(1000);
        expect([...lengths].sort()).toEqual([20, 32]);
        expect(storedExactly).toBe(sandbox === undefined ? 0 : 1000);
      } finally {
        await deleteAccountPolicy();
      }
    },
  );

  it.skipIf(enforced.skip)(
    `a refused password appears in no error and no log line${enforced.label}`,
    async () => {
      await setAccountPolicy();
      try {
        const userName = await admin.createUser('pw-refused');
        // Lowercase letters only: a policy the account's refuses.
        const weak = explicitPasswordPolicy({
          minLength: 24,
          maxLength: 24,
          requireUppercase: false,
          requireLowercase: true,
          requireNumbers: false,
          requireSymbols: false,
          excludeCharacters: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()_+-=[]{}|'",
        });
        const accepted = (await resolvePasswordPolicy('aws-account', gateway, CONTEXT)).policy;
        const refusedOnCreate = generatePassword(weak, { userName });
        const createError = await gateway.createLoginProfile(userName, refusedOnCreate, false).then(
          () => undefined,
          (e: unknown) => e,
        );
        await gateway.createLoginProfile(userName, generatePassword(accepted, { userName }), false);
        const refusedOnUpdate = generatePassword(weak, { userName });
        const updateError = await gateway.updateLoginProfile(userName, refusedOnUpdate, false).then(
          () => undefined,
          (e: unknown) => e,
        );
        const refused = [refusedOnCreate, refusedOnUpdate];
        const errors = [createError, updateError];
        const lines: string[] = [];
        const log = createLogger({
          level: 'debug',
          stream: 'stderr',
          destination: new Writable({
            write(chunk: Buffer, _encoding, done) {
              lines.push(chunk.toString());
              done();
            },
          }),
        });
        for (const err of errors) {
          expect(err).toBeInstanceOf(PermanentError);
          expect(err).toMatchObject({ code: 'password_policy_violation' });
          const e = err as Error & { code: string; detail?: unknown; cause?: unknown };
          log.warn({ err }, 'password apply refused');
          const everything = [
            e.message,
            e.stack ?? '',
            JSON.stringify(e),
            JSON.stringify(e.detail),
            JSON.stringify(e.cause),
            scrubFailureText(formatFailure(e.code, e.message)),
            lines.join(''),
          ].join('\n');
          for (const password of refused) {
            expect(everything).not.toContain(password);
          }
        }
        expect(lines.join('')).toContain('PasswordPolicyViolation');
      } finally {
        await deleteAccountPolicy();
      }
    },
  );

  it.skipIf(permissions.skip)(
    `with GetAccountPasswordPolicy denied, falls back to 32 characters of all four classes, which the account accepts${permissions.label}`,
    async () => {
      await setAccountPolicy();
      try {
        const principal = await admin.createPrincipal('pw-denied', [
          { Effect: 'Allow', Action: ['iam:GetUser'], Resource: '*' },
        ]);
        const limited = gatewayFor(backend.current, principal.credentials);
        const resolved = await resolvePasswordPolicy('aws-account', limited, CONTEXT);
        expect(resolved).toMatchObject({
          account: 'unreadable',
          description: '32 characters; requires uppercase, lowercase, numbers and symbols',
          note: expect.stringContaining('iam:GetAccountPasswordPolicy is denied'),
        });
        const longer = await resolvePasswordPolicy(explicit({ minLength: 40 }), limited, CONTEXT);
        expect(longer.description).toMatch(/^40 characters;/);
        const userName = await admin.createUser('pw-fallback');
        await gateway.createLoginProfile(
          userName,
          generatePassword(resolved.policy, { userName }),
          false,
        );
        for (let n = 0; n < 50; n++) {
          const policy = n % 2 === 0 ? resolved.policy : longer.policy;
          await gateway.updateLoginProfile(userName, generatePassword(policy, { userName }), false);
        }
      } finally {
        await deleteAccountPolicy();
      }
    },
  );
});

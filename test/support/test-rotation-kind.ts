/**
 * A test kind of rotation on the step runner: four steps, two of them IAM mutations (TagUser),
 * written as real steps must be — each converges (it looks before it acts, so running it again
 * after a crash changes nothing) — and an abandon hook that takes its tags off again.
 */
import { randomBytes } from 'node:crypto';

import type { AccountRef } from '../../src/accounts/account-ref.ts';
import type { AccountKind } from '../../src/identifiers.ts';
import type { RotationKind, RotationStep } from '../../src/jobs/rotate/rotation-kind.ts';
import type { SecretValue } from '../../src/vault/secret-store.ts';

export const FIRST_TAG = 'iam-pam-test-first';
export const SECOND_TAG = 'iam-pam-test-second';

/** Tags the user with `key` = the rotation id unless it already is. */
function ensureTag(name: string, key: string): RotationStep {
  return {
    name,
    async run({ account, journal }, { iam }) {
      const tags = await iam.listUserTags(account.userName);
      if (tags.some((tag) => tag.key === key && tag.value === journal.rotationId)) {
        return { record: { tagged: key, alreadyTagged: true } };
      }
      const { requestId } = await iam.tagUser(account.userName, [
        { key, value: journal.rotationId },
      ]);
      return { record: { tagged: key, requestId } };
    },
  };
}

export const TEST_STEPS = ['plan', 'tag_first', 'store_pending', 'tag_second'] as const;

/** A throwaway secret of the kind's shape (never a real credential). */
function testSecret(kind: AccountKind): SecretValue {
  const random = randomBytes(12).toString('hex');
  return kind === 'password'
    ? { password: `Test-${random}!aA1` }
    : { accessKeyId: `AKIATEST${random.slice(0, 12).toUpperCase()}`, secretAccessKey: random };
}

export interface TestKindOptions {
  /** Awaited before each step runs (crash tests pause a run there). */
  beforeStep?: (step: string, account: AccountRef) => Promise<void>;
}

export function createTestRotationKind(
  kind: AccountKind = 'access-key',
  options: TestKindOptions = {},
): RotationKind {
  const steps: RotationStep[] = [
    {
      name: 'plan',
      async run({ account }, { iam }) {
        const tags = await iam.listUserTags(account.userName);
        return { record: { tagsBefore: tags.length } };
      },
    },
    ensureTag('tag_first', FIRST_TAG),
    {
      name: 'store_pending',
      async run() {
        return {
          record: { stored: true },
          pending: testSecret(kind),
        };
      },
    },
    ensureTag('tag_second', SECOND_TAG),
  ];
  const { beforeStep } = options;
  return {
    kind,
    steps:
      beforeStep === undefined
        ? steps
        : steps.map((step) => ({
            name: step.name,
            run: async (input, ports) => {
              await beforeStep(step.name, input.account);
              return step.run(input, ports);
            },
          })),
    async abandon({ account }, { iam, vault, vaultWrite }) {
      const tags = await iam.listUserTags(account.userName);
      const ours = tags.filter((tag) => tag.key === FIRST_TAG || tag.key === SECOND_TAG);
      if (ours.length > 0) {
        await iam.untagUser(
          account.userName,
          ours.map((tag) => tag.key),
        );
      }
      const owner = `${account.provider}/${account.userName.toLowerCase()}/${account.kind}`;
      if ((await vault.versionIdAt(owner, 'pending')) !== undefined) {
        await vault.clear(owner, 'pending', vaultWrite);
      }
      return {};
    },
    result: (journal) => ({ tags: journal.steps.filter((s) => 'tagged' in s.record).length }),
  };
}

/** Conformance: user tags — list, tag, overwrite, untag, and the 50-tag and shape rules. */
import type { IAMClient } from '@aws-sdk/client-iam';
import { ListUserTagsCommand, TagUserCommand, UntagUserCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { clientsFor, createIamAdmin, type IamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
let once: IAMClient;

beforeAll(() => {
  admin = createIamAdmin(backend.current);
  once = clientsFor(backend.current, backend.current.credentials).iam;
});
afterAll(async () => {
  once.destroy();
  await admin.cleanup();
});

const NO_TAG_RULES = 'moto checks no tag rules (count, length, characters, duplicates, case)';
const tagRules = unsupportedOn({ moto: NO_TAG_RULES });
const caseInsensitiveKeys = unsupportedOn({
  moto: 'moto keeps "Team" and "team" as two tags; AWS user tag keys are case-insensitive',
});

const tagsOf = async (userName: string) =>
  (await admin.client.send(new ListUserTagsCommand({ UserName: userName }))).Tags;

const many = (count: number, prefix = 'k') =>
  Array.from({ length: count }, (_, i) => ({ Key: `${prefix}${i}`, Value: 'v' }));

describe(`user tags on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('lists no tags as an empty list, then tags sorted by key; a tag on the same key is overwritten', async () => {
    const userName = await admin.createUser('conf-tag');
    expect(await tagsOf(userName)).toEqual([]);
    await admin.client.send(
      new TagUserCommand({
        UserName: userName,
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'AKIAIOSFODNN7EXAMPLE', Value: 'rotated by iam-pam' },
          { Key: 'empty', Value: '' },
        ],
      }),
    );
    await admin.client.send(
      new TagUserCommand({ UserName: userName, Tags: [{ Key: 'team', Value: 'payments' }] }),
    );
    expect(await tagsOf(userName)).toEqual(
      expect.arrayContaining([
        { Key: 'AKIAIOSFODNN7EXAMPLE', Value: 'rotated by iam-pam' },
        { Key: 'empty', Value: '' },
        { Key: 'team', Value: 'payments' },
      ]),
    );
    expect(await tagsOf(userName)).toHaveLength(3);
  });

  it('removes tags by key and ignores keys the user does not have', async () => {
    const userName = await admin.createUser('conf-untag');
    await admin.tagUser(userName, { a: '1', b: '2' });
    await admin.client.send(new UntagUserCommand({ UserName: userName, TagKeys: ['a', 'zzz'] }));
    expect(await tagsOf(userName)).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('answers an unknown user with NoSuchEntity 404 on every tag action', async () => {
    const message = 'The user with name no-such-user-tags cannot be found.';
    for (const call of [
      () => admin.client.send(new ListUserTagsCommand({ UserName: 'no-such-user-tags' })),
      () =>
        admin.client.send(
          new TagUserCommand({ UserName: 'no-such-user-tags', Tags: [{ Key: 'a', Value: 'b' }] }),
        ),
      () =>
        admin.client.send(new UntagUserCommand({ UserName: 'no-such-user-tags', TagKeys: ['a'] })),
    ]) {
      expect(await awsError(call())).toMatchObject({
        name: 'NoSuchEntityException',
        status: 404,
        message,
      });
    }
  });

  it.skipIf(caseInsensitiveKeys.skip)(
    `treats tag keys as case-insensitive, keeping the case last written${caseInsensitiveKeys.label}`,
    async () => {
      const userName = await admin.createUser('conf-tagcase');
      await admin.tagUser(userName, { Department: 'finance' });
      await admin.tagUser(userName, { department: 'hr' });
      expect(await tagsOf(userName)).toEqual([{ Key: 'department', Value: 'hr' }]);
      await admin.client.send(
        new UntagUserCommand({ UserName: userName, TagKeys: ['DEPARTMENT'] }),
      );
      expect(await tagsOf(userName)).toEqual([]);
    },
  );

  it.skipIf(tagRules.skip)(
    `refuses duplicate keys in one request, even in another case, with InvalidInput 400${tagRules.label}`,
    async () => {
      const userName = await admin.createUser('conf-tagdup');
      const error = await awsError(
        admin.client.send(
          new TagUserCommand({
            UserName: userName,
            Tags: [
              { Key: 'team', Value: 'a' },
              { Key: 'TEAM', Value: 'b' },
            ],
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'InvalidInputException',
        status: 400,
        message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      });
      expect(await tagsOf(userName)).toEqual([]);
    },
  );

  it.skipIf(tagRules.skip)(
    `allows 50 tags and refuses the 51st with LimitExceeded 409${tagRules.label}`,
    async () => {
      const userName = await admin.createUser('conf-tag50');
      await admin.client.send(new TagUserCommand({ UserName: userName, Tags: many(50) }));
      expect(await tagsOf(userName)).toHaveLength(50);
      // Overwriting an existing key adds nothing and stays allowed.
      await admin.client.send(
        new TagUserCommand({ UserName: userName, Tags: [{ Key: 'K7', Value: 'new' }] }),
      );
      const error = await awsError(
        once.send(
          new TagUserCommand({ UserName: userName, Tags: [{ Key: 'one-more', Value: 'v' }] }),
        ),
      );
      expect(error).toMatchObject({
        name: 'LimitExceededException',
        status: 409,
        message: 'The number of tags has reached the maximum limit.',
      });
    },
  );

  it.skipIf(tagRules.skip)(
    `validates tag shapes before looking the user up${tagRules.label}`,
    async () => {
      const tooMany = await awsError(
        admin.client.send(new TagUserCommand({ UserName: 'no-such-user-tags', Tags: many(51) })),
      );
      expect(tooMany).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message:
          "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
      });
      const userName = await admin.createUser('conf-tagshape');
      const send = (Key: string, Value: string) =>
        awsError(
          admin.client.send(new TagUserCommand({ UserName: userName, Tags: [{ Key, Value }] })),
        );
      expect((await send('k'.repeat(129), 'v')).message).toBe(
        "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
      );
      expect((await send('k', 'v'.repeat(257))).message).toBe(
        "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
      );
      expect((await send('k#1', 'v')).message).toBe(
        "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
      );
      const untag = await awsError(
        admin.client.send(new UntagUserCommand({ UserName: userName, TagKeys: [''] })),
      );
      expect(untag.message).toBe(
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]",
      );
      expect(await tagsOf(userName)).toEqual([]);
    },
  );
});

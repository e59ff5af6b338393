/**
 * Conformance: input validation — in IAM's words, every violation listed, no value echoed,
 * and always before any entity is looked up (iam-api.md §3).
 */
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { admin } = useIamAdmin();

const validated = unsupportedOn({
  moto: 'moto validates no input: bad names, missing members and out-of-range values are accepted',
});
const PREFIX = '1 validation error detected: ';

describe(`input validation on ${process.env.IAM_TEST_BACKEND}`, () => {
  it.skipIf(validated.skip)(
    `checks a name's pattern before looking the user up, without echoing it${validated.label}`,
    async () => {
      const error = await awsError(
        admin.client.send(new GetUserCommand({ UserName: 'bad name!' })),
      );
      expect(error).toMatchObject({
        name: 'ValidationError',
        status: 400,
        fault: 'client',
        message: `${PREFIX}Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
      });
    },
  );

  it.skipIf(validated.skip)(
    `reports a missing required member as "Value null"${validated.label}`,
    async () => {
      const error = await awsError(
        admin.client.send(new CreateUserCommand({} as { UserName: string })),
      );
      expect(error.message).toBe(
        `${PREFIX}Value null at 'userName' failed to satisfy constraint: Member must not be null`,
      );
    },
  );

  it.skipIf(validated.skip)(`lists every violation, counted${validated.label}`, async () => {
    const error = await awsError(
      admin.client.send(new ListUsersCommand({ PathPrefix: 'no-slash', MaxItems: 0 })),
    );
    expect(error.message).toBe(
      "2 validation errors detected: Value at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*; " +
        "Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it.skipIf(validated.skip)(
    `enforces the 64-character limit for new user names and paths' shape${validated.label}`,
    async () => {
      const long = await awsError(
        admin.client.send(new CreateUserCommand({ UserName: 'u'.repeat(65) })),
      );
      expect(long.message).toBe(
        `${PREFIX}Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      );
      const path = await awsError(
        admin.client.send(new CreateUserCommand({ UserName: 'conf-path', Path: 'no-slashes' })),
      );
      expect(path.message).toBe(
        `${PREFIX}Value at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`,
      );
    },
  );

  it.skipIf(validated.skip)(
    `never repeats a password in a validation message${validated.label}`,
    async () => {
      const userName = await admin.createUser('conf-pwshape');
      const password = 'Sécret-Ω-password-1';
      const error = await awsError(
        admin.client.send(
          new CreateLoginProfileCommand({ UserName: userName, Password: password }),
        ),
      );
      expect(error.name).toBe('ValidationError');
      expect(error.message).not.toContain('Sécret');
      expect(error.message).toContain("Value at 'password'");
    },
  );
});

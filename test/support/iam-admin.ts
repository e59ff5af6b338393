/**
 * Test setup through the real SDK as an administrator of the backend: users, keys and tags
 * that the code under test then finds. Users get unique names under the backend's test path
 * and are deleted (keys, tags, login profile first) by `cleanup()`.
 */
import { randomUUID } from 'node:crypto';

import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';

import type { IamBackend } from './iam-backend.ts';

export interface IamAdmin {
  client: IAMClient;
  /** Creates a user with a unique name starting with `base`; returns the name. */
  createUser(base: string): Promise<string>;
  createAccessKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  tagUser(userName: string, tags: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

export function createIamAdmin(backend: IamBackend): IamAdmin {
  const client = new IAMClient({
    region: backend.region,
    endpoint: backend.endpoint,
    credentials: backend.credentials,
  });
  const created: string[] = [];
  return {
    client,
    async createUser(base) {
      const userName = `${base}-${randomUUID().slice(0, 8)}`;
      await client.send(new CreateUserCommand({ UserName: userName, Path: backend.userPath }));
      created.push(userName);
      return userName;
    },
    async createAccessKey(userName) {
      const out = await client.send(new CreateAccessKeyCommand({ UserName: userName }));
      return {
        accessKeyId: out.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: out.AccessKey?.SecretAccessKey ?? '',
      };
    },
    async tagUser(userName, tags) {
      await client.send(
        new TagUserCommand({
          UserName: userName,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    },
    async cleanup() {
      for (const userName of created.splice(0)) {
        const keys = await client
          .send(new ListAccessKeysCommand({ UserName: userName }))
          .catch(() => undefined);
        for (const key of keys?.AccessKeyMetadata ?? []) {
          await client
            .send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.AccessKeyId }))
            .catch(() => undefined);
        }
        await client
          .send(new DeleteLoginProfileCommand({ UserName: userName }))
          .catch(() => undefined);
        await client.send(new DeleteUserCommand({ UserName: userName })).catch(() => undefined);
      }
      client.destroy();
    },
  };
}

/** Conformance: IAM pagination — MaxItems, Marker, IsTruncated, PathPrefix — as AWS pages. */
import {
  CreateUserCommand,
  DeleteUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { createIamAdmin, type IamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
let path: string;
const names: string[] = [];

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  // A path of this file's own, so listings see only these users.
  path = `${backend.current.userPath}pages-${Date.now()}/`;
  for (let i = 0; i < 5; i++) {
    const userName = `page-user-${i}-${Date.now()}`;
    await admin.client.send(new CreateUserCommand({ UserName: userName, Path: path }));
    names.push(userName);
  }
});
afterAll(async () => {
  for (const userName of names) {
    await admin.client.send(new DeleteUserCommand({ UserName: userName })).catch(() => undefined);
  }
  await admin.cleanup();
});

const paging = unsupportedOn({
  moto: 'moto ignores MaxItems: ListUsers returns every user on one page',
});
const pagingChecks = unsupportedOn({
  moto: 'moto accepts MaxItems 0 or 1001 and any Marker without a ValidationError',
});
const alwaysTruncatedFlag = unsupportedOn({
  moto: 'moto leaves IsTruncated out of ListAccessKeys; AWS always sends it',
});

describe(`pagination on ${process.env.IAM_TEST_BACKEND}`, () => {
  it("follows Marker with the SDK's paginator to every user under a path", async () => {
    const seen: string[] = [];
    for await (const page of paginateListUsers(
      { client: admin.client, pageSize: 2 },
      { PathPrefix: path },
    )) {
      seen.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    }
    expect(seen.sort()).toEqual([...names].sort());
  });

  it('lists only users whose path starts with PathPrefix', async () => {
    const out = await admin.client.send(new ListUsersCommand({ PathPrefix: `${path}nothing/` }));
    expect(out.Users).toEqual([]);
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();
  });

  it.skipIf(paging.skip)(
    `pages by MaxItems, with IsTruncated and an opaque Marker, and no Marker on the last page${paging.label}`,
    async () => {
      const pages: Array<{ users: string[]; truncated?: boolean; marker?: string }> = [];
      let marker: string | undefined;
      do {
        const out = await admin.client.send(
          new ListUsersCommand({ PathPrefix: path, MaxItems: 2, Marker: marker }),
        );
        pages.push({
          users: (out.Users ?? []).map((u) => u.UserName ?? ''),
          truncated: out.IsTruncated,
          marker: out.Marker,
        });
        marker = out.Marker;
      } while (marker !== undefined);
      expect(pages.map((p) => p.users.length)).toEqual([2, 2, 1]);
      expect(pages.map((p) => p.truncated)).toEqual([true, true, false]);
      expect(pages[2]?.marker).toBeUndefined();
      expect(pages.flatMap((p) => p.users).sort()).toEqual([...names].sort());
      expect(pages[0]?.marker).not.toContain(pages[0]?.users[1] ?? '-');
    },
  );

  it.skipIf(paging.skip)(`sends 100 items per page by default${paging.label}`, async () => {
    const bulk = `${backend.current.userPath}bulk-${Date.now()}/`;
    const created: string[] = [];
    for (let i = 0; i < 101; i++) {
      const userName = `bulk-${i}-${Date.now()}`;
      await admin.client.send(new CreateUserCommand({ UserName: userName, Path: bulk }));
      created.push(userName);
    }
    names.push(...created);
    const first = await admin.client.send(new ListUsersCommand({ PathPrefix: bulk }));
    expect(first.Users).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    const second = await admin.client.send(
      new ListUsersCommand({ PathPrefix: bulk, Marker: first.Marker }),
    );
    expect(second.Users).toHaveLength(1);
    expect(second.IsTruncated).toBe(false);
  });

  it.skipIf(pagingChecks.skip)(
    `refuses MaxItems outside 1–1000 and unknown markers with ValidationError 400${pagingChecks.label}`,
    async () => {
      const zero = await awsError(admin.client.send(new ListUsersCommand({ MaxItems: 0 })));
      expect(zero).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message:
          "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
      });
      const big = await awsError(admin.client.send(new ListUsersCommand({ MaxItems: 1001 })));
      expect(big.message).toBe(
        "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
      );
      const bogus = await awsError(admin.client.send(new ListUsersCommand({ Marker: 'bogus' })));
      expect(bogus).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message: 'Invalid Marker.',
      });
      // A marker belongs to the listing that issued it.
      const page = await admin.client.send(new ListUsersCommand({ PathPrefix: path, MaxItems: 1 }));
      const foreign = await awsError(
        admin.client.send(new ListUsersCommand({ PathPrefix: '/', Marker: page.Marker })),
      );
      expect(foreign.message).toBe('Invalid Marker.');
    },
  );

  it.skipIf(alwaysTruncatedFlag.skip)(
    `always sends IsTruncated on every list action${alwaysTruncatedFlag.label}`,
    async () => {
      const userName = names[0] ?? '';
      const keys = await admin.client.send(new ListAccessKeysCommand({ UserName: userName }));
      const tags = await admin.client.send(new ListUserTagsCommand({ UserName: userName }));
      expect([keys.IsTruncated, tags.IsTruncated]).toEqual([false, false]);
    },
  );
});

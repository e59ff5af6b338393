/** The rotate handler's dispatch by kind, with fakes. */
import { describe, expect, it } from 'vitest';

import type { AccountRecord } from '../../../src/accounts/account-store.ts';
import type { IamGateway, Tag } from '../../../src/iam/iam-gateway.ts';
import { createRotateHandler, rotationFailpoints } from '../../../src/jobs/rotate/handler.ts';
import { createTestRotationKind } from '../../support/test-rotation-kind.ts';
import { createFakeContext } from './fake-context.ts';
import { createFakeJournal } from './fake-journal.ts';

describe('the rotate handler', () => {
  it('fails a kind without a handler permanently (not_implemented), before reading anything', async () => {
    const reads: string[] = [];
    const journal = createFakeJournal();
    const handler = createRotateHandler({
      kinds: { 'access-key': createTestRotationKind() },
      accounts: {
        require: async (ref) => {
          reads.push(ref.userName);
          throw new Error('not expected');
        },
        update: async () => {
          throw new Error('not expected');
        },
      },
      journals: journal.store,
      vault: {} as never,
      newRotationId: () => 'r1',
    });
    const { ctx, events } = createFakeContext();
    await expect(
      handler({ provider: 'prod', userName: 'alice', kind: 'password' }, ctx),
    ).rejects.toMatchObject({ code: 'not_implemented', name: 'PermanentError' });
    expect(reads).toEqual([]);
    expect(events).toEqual([]);
    expect(journal.open.size).toBe(0);
  });

  it('declares the failpoints of every kind it runs', () => {
    expect(rotationFailpoints({ 'access-key': createTestRotationKind() })).toEqual([
      'rotation:after-plan',
      'rotation:after-tag_first',
      'rotation:after-store_pending',
      'rotation:after-tag_second',
      'rotation:after-done',
    ]);
    expect(rotationFailpoints({})).toEqual([]);
  });

  it('runs the kind under the scope: rotating while its journal is open, managed after', async () => {
    const journal = createFakeJournal();
    const updates: Array<Partial<AccountRecord>> = [];
    const tags: Tag[] = [];
    const iam = {
      listUserTags: async () => [...tags],
      tagUser: async (_user: string, added: Tag[]) => {
        tags.push(...added);
        return { requestId: 'req-1' };
      },
    } as unknown as IamGateway;
    const handler = createRotateHandler({
      kinds: { 'access-key': createTestRotationKind() },
      accounts: {
        require: async () => ({}) as AccountRecord,
        update: async (_ref, change) => {
          updates.push(change);
          return {} as AccountRecord;
        },
      },
      journals: journal.store,
      vault: {} as never,
      newRotationId: () => 'r1',
    });
    const settled: string[] = [];
    const base = createFakeContext().ctx;
    const { ctx, events } = createFakeContext({
      scope: {
        ...base.scope,
        iam,
        fence: { user: { provider: 'prod', userName: 'alice' }, fencingToken: 7, value: 'lease-1' },
        settleLeftovers: async (account) => {
          settled.push(account);
          return 0;
        },
      },
    });
    const result = await handler({ provider: 'prod', userName: 'alice', kind: 'access-key' }, ctx);
    expect(result).toMatchObject({ account: 'prod/alice/access-key', rotationId: 'r1', tags: 2 });
    expect(settled).toEqual(['prod/alice/access-key']);
    expect(updates).toEqual([
      { status: 'rotating' },
      { status: 'managed', lastRotation: expect.objectContaining({ state: 'succeeded' }) },
    ]);
    expect(events.map((e) => e.type)).toEqual(['rotation.started', 'rotation.succeeded']);
    expect(
      (await journal.store.history({ provider: 'prod', userName: 'alice', kind: 'access-key' }))[0]
        ?.steps[0]?.fencingToken,
    ).toBe(7);
  });
});

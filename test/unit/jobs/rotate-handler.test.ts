/** The rotate handler's dispatch by kind, with fakes. */
import { describe, expect, it } from 'vitest';

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
});

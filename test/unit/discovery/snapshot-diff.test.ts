/** The discovery diff, and the compact form a snapshot keeps each user in. */
import { describe, expect, it } from 'vitest';

import {
  decodeUser,
  type DiscoveredUser,
  encodeUser,
  userField,
} from '../../../src/discovery/discovered-user.ts';
import { diffSnapshots } from '../../../src/discovery/snapshot-diff.ts';

function user(
  userName: string,
  keys: Array<[string, 'Active' | 'Inactive']> = [],
  userId = `AIDA${userName.toUpperCase()}`,
): DiscoveredUser {
  return {
    userName,
    userId,
    path: '/',
    createdAt: '2024-01-01T00:00:00.000Z',
    accessKeys: keys.map(([accessKeyId, status]) => ({
      accessKeyId,
      status,
      createdAt: '2024-02-01T00:00:00.000Z',
      managed: accessKeyId.endsWith('M'),
    })),
  };
}
const byField = (...users: DiscoveredUser[]) =>
  new Map(users.map((u) => [userField(u.userName), u]));

describe('diffSnapshots', () => {
  const before = byField(
    user('alice', [['AKIA1M', 'Active']]),
    user('Bob', [
      ['AKIA2', 'Active'],
      ['AKIA3', 'Active'],
    ]),
    user('carol'),
  );

  it('reports users added and removed, and keys added, removed and changed', () => {
    const after = byField(
      user('alice', [['AKIA1M', 'Inactive']]),
      user('bob', [
        ['AKIA2', 'Active'],
        ['AKIA4', 'Active'],
      ]),
      user('dave'),
    );
    expect(diffSnapshots(before, after, { partial: false })).toEqual({
      added: [{ userName: 'dave' }],
      removed: [{ userName: 'carol' }],
      changed: [
        {
          userName: 'alice',
          accessKeyId: 'AKIA1M',
          change: 'key_status_changed',
          status: 'Inactive',
          managed: true,
        },
        { userName: 'bob', accessKeyId: 'AKIA4', change: 'key_added', status: 'Active' },
        { userName: 'Bob', accessKeyId: 'AKIA3', change: 'key_removed' },
      ],
    });
  });

  it('reports no removal of any kind from a partial listing', () => {
    const after = byField(user('alice', []), user('dave'));
    expect(diffSnapshots(before, after, { partial: true })).toEqual({
      added: [{ userName: 'dave' }],
      removed: [],
      changed: [],
    });
  });

  it('calls every user added on the first discovery', () => {
    const diff = diffSnapshots(undefined, before, { partial: false });
    expect(diff.added.map((e) => e.userName)).toEqual(['alice', 'Bob', 'carol']);
    expect(diff.removed).toEqual([]);
  });

  it('takes a user recreated under the same name for another principal', () => {
    const after = byField(
      user('alice', [['AKIA1M', 'Active']]),
      user('Bob', [], 'AIDANEWBOB'),
      user('carol'),
    );
    expect(diffSnapshots(before, after, { partial: false })).toMatchObject({
      added: [{ userName: 'Bob' }],
      removed: [{ userName: 'Bob' }],
      changed: [],
    });
  });
});

describe('the compact snapshot entry', () => {
  it('round-trips a user in about a hundred bytes', () => {
    const original = {
      ...user('alice.adams.42', [
        ['AKIAEXAMPLE000000001', 'Active'],
        ['AKIAEXAMPLE00000002M', 'Inactive'],
      ]),
      hasLoginProfile: true,
    };
    const encoded = encodeUser(original);
    expect(decodeUser(encoded)).toEqual(original);
    expect(encoded.length).toBeLessThan(160);
  });
});

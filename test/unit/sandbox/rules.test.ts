/** Password rules, pagination markers, the request log ring, the rate ceiling and seeding. */
import { describe, expect, it } from 'vitest';

import { createRequestLog } from '../../../src/sandbox/admin/request-log.ts';
import { createRateCeiling } from '../../../src/sandbox/faults/rate-ceiling.ts';
import { createMarkerCodec, pageByOffset } from '../../../src/sandbox/rules/pagination.ts';
import {
  checkPassword,
  PASSWORD_REUSED_MESSAGE,
  rememberPassword,
} from '../../../src/sandbox/rules/password-rules.ts';
import { createAccountState } from '../../../src/sandbox/state/account-state.ts';
import { seedUsers } from '../../../src/sandbox/state/seed-users.ts';
import { stateWithUser } from './fixtures.ts';

function passwordError(password: string, policy?: Parameters<typeof checkPassword>[1]) {
  const { user } = stateWithUser();
  try {
    checkPassword(password, policy, user);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

const CUSTOM = {
  minimumPasswordLength: 12,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: false,
  requireLowercaseCharacters: false,
  allowUsersToChangePassword: false,
  maxPasswordAge: undefined,
  passwordReusePrevention: 2,
  hardExpiry: undefined,
};

describe('password rules', () => {
  it("enforce AWS's default policy when none is set: 8 characters, 3 of 4 classes", () => {
    expect(passwordError('Ab1!')).toBe('Password should have a minimum length of 8');
    expect(passwordError('abcdefgh1')).toBe(
      'Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol',
    );
    expect(passwordError('abcdefghij')).toBe(
      'Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol',
    );
    expect(passwordError('abcdefgh1!')).toBeUndefined();
  });

  it('enforce a custom policy and its reuse prevention', () => {
    expect(passwordError('short1!', CUSTOM)).toBe('Password should have a minimum length of 12');
    expect(passwordError('longenoughpw!', CUSTOM)).toBe('Password should have at least one number');
    const { user } = stateWithUser();
    rememberPassword(user, 'first-password-1!');
    rememberPassword(user, 'second-password-2!');
    rememberPassword(user, 'third-password-3!');
    expect(() => checkPassword('second-password-2!', CUSTOM, user)).toThrow(
      PASSWORD_REUSED_MESSAGE,
    );
    // Only the last two are remembered under PasswordReusePrevention 2.
    expect(() => checkPassword('first-password-1!', CUSTOM, user)).not.toThrow();
  });
});

describe('pagination markers', () => {
  it('round-trip for their own list only; anything else is "Invalid Marker."', () => {
    const codec = createMarkerCodec();
    const marker = codec.encode('ListUsers\n/', 'bob');
    expect(codec.decode('ListUsers\n/', marker)).toBe('bob');
    expect(() => codec.decode('ListUsers\n/eng/', marker)).toThrow('Invalid Marker.');
    expect(() => codec.decode('ListUsers\n/', 'bogus')).toThrow('Invalid Marker.');
    expect(() => createMarkerCodec().decode('ListUsers\n/', marker)).toThrow('Invalid Marker.');
  });

  it('send a Marker only while truncated', () => {
    const codec = createMarkerCodec();
    const items = ['a', 'b', 'c', 'd', 'e'];
    const first = pageByOffset(items, { marker: undefined, maxItems: 2, scope: 's', codec });
    expect(first).toMatchObject({ items: ['a', 'b'], isTruncated: true });
    const second = pageByOffset(items, { marker: first.marker, maxItems: 2, scope: 's', codec });
    const third = pageByOffset(items, { marker: second.marker, maxItems: 2, scope: 's', codec });
    expect(third).toEqual({ items: ['e'], isTruncated: false, marker: undefined });
  });
});

describe('request log', () => {
  it('keeps the newest entries within its capacity and counts on across a clear', () => {
    const log = createRequestLog(3);
    const add = () =>
      log.append({
        at: '',
        accountId: null,
        accessKeyId: null,
        action: 'ListUsers',
        params: {},
        status: 200,
        code: null,
      });
    for (let i = 0; i < 5; i++) {
      add();
    }
    expect(log.since(0).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(log.since(4).map((e) => e.seq)).toEqual([5]);
    expect(log.since(0, 2).map((e) => e.seq)).toEqual([3, 4]);
    log.clear();
    expect(log.since(0)).toEqual([]);
    expect(add().seq).toBe(6);
  });
});

describe('rate ceiling', () => {
  it('admits at most maxRps requests in any one-second window, per account', () => {
    const ceiling = createRateCeiling();
    const admitted = [0, 100, 200, 300].map((t) => ceiling.admit('a', t, 3));
    expect(admitted).toEqual([true, true, true, false]);
    expect(ceiling.admit('b', 300, 3)).toBe(true);
    expect(ceiling.admit('a', 999, 3)).toBe(false);
    expect(ceiling.admit('a', 1000, 3)).toBe(true);
  });
});

describe('seeded users', () => {
  it('are the same for the same seed, with keys, passwords and tags among them', () => {
    const snapshot = (seed: string) => {
      const state = createAccountState('123456789012');
      seedUsers(state, { count: 200, seed, now: Date.now() });
      return [...state.usersAfter(undefined)].map((u) => ({
        name: u.userName,
        id: u.userId,
        keys: u.accessKeys.map((k) => [k.accessKeyId, k.secretAccessKey, k.status]),
        password: u.loginProfile?.password,
        created: u.createdAt,
      }));
    };
    const first = snapshot('s1');
    expect(snapshot('s1')).toEqual(first);
    expect(snapshot('s2')).not.toEqual(first);
    expect(first).toHaveLength(200);
    const keyCounts = new Set(first.map((u) => u.keys.length));
    expect([...keyCounts].sort()).toEqual([0, 1, 2]);
    expect(first.some((u) => u.password !== undefined)).toBe(true);
    expect(first.some((u) => u.keys.some((k) => k[2] === 'Inactive'))).toBe(true);
    expect(first.every((u) => u.keys.every((k) => /^AKIA[A-Z2-7]{16}$/.test(k[0] as string)))).toBe(
      true,
    );
  });
});

/**
 * A behavioural fake of IAM and STS for handler unit tests: users with ids, keys (with secrets
 * and statuses) and login profiles; paged ListUsers; STS that accepts a key only when it exists,
 * is Active and signed with its secret — answering with the errors the real classifier gives.
 * `failNext` queues an error for a method; `calls` records every read.
 */
import { PermanentError, TransientError } from '../../../src/errors.ts';
import type {
  AccessKey,
  CredentialVerifier,
  IamGateway,
  IamUser,
} from '../../../src/iam/iam-gateway.ts';

export interface FakeKey {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
}

export interface FakeUser {
  userName: string;
  userId: string;
  path: string;
  keys: FakeKey[];
  loginProfile: boolean;
}

export function userMissing(userName: string): PermanentError {
  return new PermanentError('user_missing', `The user with name ${userName} cannot be found.`);
}

export function createFakeIam() {
  const users = new Map<string, FakeUser>();
  const failures = new Map<string, Error[]>();
  const calls: string[] = [];
  let nextId = 0;

  const find = (userName: string) => {
    const user = users.get(userName.toLowerCase());
    if (user === undefined) {
      throw userMissing(userName);
    }
    return user;
  };
  const step = (method: string) => {
    calls.push(method);
    const queued = failures.get(method);
    const failure = queued?.shift();
    if (failure !== undefined) {
      throw failure;
    }
  };
  const toIamUser = (u: FakeUser): IamUser => ({
    userName: u.userName,
    userId: u.userId,
    arn: `arn:aws:iam::123456789012:user${u.path}${u.userName}`,
    path: u.path,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    passwordLastUsedAt: undefined,
  });

  const gateway: Partial<IamGateway> = {
    async getUser(userName) {
      step('getUser');
      return toIamUser(find(userName ?? ''));
    },
    async listUsersPage({ marker, maxItems = 100 }) {
      step('listUsersPage');
      const all = [...users.values()].sort((a, b) => a.userName.localeCompare(b.userName));
      const start = marker === undefined ? 0 : Number(marker);
      const page = all.slice(start, start + maxItems);
      const next = start + maxItems < all.length ? String(start + maxItems) : undefined;
      return { users: page.map(toIamUser), marker: next };
    },
    async listAccessKeys(userName) {
      step('listAccessKeys');
      const user = find(userName);
      return user.keys.map((k): AccessKey => ({
        accessKeyId: k.accessKeyId,
        userName: user.userName,
        status: k.status,
        createdAt: new Date('2024-02-01T00:00:00Z'),
      }));
    },
    async getLoginProfile(userName) {
      step('getLoginProfile');
      const user = find(userName);
      return user.loginProfile
        ? { userName: user.userName, createdAt: undefined, passwordResetRequired: false }
        : undefined;
    },
  };

  const verifier: CredentialVerifier = {
    async verify({ accessKeyId, secretAccessKey }) {
      step('verify');
      const owner = [...users.values()].find((u) =>
        u.keys.some((k) => k.accessKeyId === accessKeyId),
      );
      const key = owner?.keys.find((k) => k.accessKeyId === accessKeyId);
      if (owner === undefined || key === undefined || key.status !== 'Active') {
        throw new TransientError('new_key_not_yet_valid', 'InvalidClientTokenId', {
          detail: { action: 'GetCallerIdentity', awsCode: 'InvalidClientTokenId' },
        });
      }
      if (key.secretAccessKey !== secretAccessKey) {
        throw new TransientError('new_key_not_yet_valid', 'SignatureDoesNotMatch', {
          detail: { action: 'GetCallerIdentity', awsCode: 'SignatureDoesNotMatch' },
        });
      }
      return {
        account: '123456789012',
        arn: `arn:aws:iam::123456789012:user${owner.path}${owner.userName}`,
        userId: owner.userId,
      };
    },
  };

  return {
    users,
    calls,
    gateway: new Proxy(gateway as IamGateway, {
      get(target, method: string) {
        const fn = (target as unknown as Record<string, unknown>)[method];
        if (fn === undefined) {
          throw new Error(`fake IAM: ${method} is not faked`);
        }
        return fn;
      },
    }),
    verifier,
    addUser(userName: string, options: Partial<Omit<FakeUser, 'userName'>> = {}): FakeUser {
      nextId += 1;
      const user: FakeUser = {
        userName,
        userId: `AIDAFAKE${String(nextId).padStart(12, '0')}`,
        path: '/',
        keys: [],
        loginProfile: false,
        ...options,
      };
      users.set(userName.toLowerCase(), user);
      return user;
    },
    addKey(user: FakeUser, status: FakeKey['status'] = 'Active'): FakeKey {
      nextId += 1;
      const key = {
        accessKeyId: `AKIAFAKE${String(nextId).padStart(12, '0')}`,
        secretAccessKey: `secret-${nextId}-${'x'.repeat(30)}`,
        status,
      };
      user.keys.push(key);
      return key;
    },
    failNext(method: string, error: Error, times = 1) {
      failures.set(method, [
        ...(failures.get(method) ?? []),
        ...Array.from({ length: times }, () => error),
      ]);
    },
  };
}

export type FakeIam = ReturnType<typeof createFakeIam>;

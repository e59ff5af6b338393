/**
 * One AWS account's IAM state: users (unique regardless of case, listed in name order), their
 * keys and login profiles, roles, STS sessions, the password policy — and the index from an
 * access key id to whoever it belongs to, which authentication starts from.
 */
import type {
  AccessKeyRecord,
  PasswordPolicyRecord,
  RoleRecord,
  SessionRecord,
  UserRecord,
} from './records.ts';
import { createSortedNames } from './sorted-names.ts';

export type KeyOwner =
  { kind: 'user'; key: AccessKeyRecord } | { kind: 'session'; session: SessionRecord };

export interface AccountState {
  readonly accountId: string;
  passwordPolicy: PasswordPolicyRecord | undefined;
  readonly userCount: number;
  findUser(userName: string): UserRecord | undefined;
  addUser(user: UserRecord): void;
  removeUser(user: UserRecord): void;
  /** Users in ListUsers order, starting after the user named `afterLowerName`. */
  usersAfter(afterLowerName: string | undefined): Generator<UserRecord>;
  allUsers(): IterableIterator<UserRecord>;
  findKey(accessKeyId: string): KeyOwner | undefined;
  addAccessKey(key: AccessKeyRecord): void;
  removeAccessKey(key: AccessKeyRecord): void;
  addSession(session: SessionRecord): void;
  removeSession(session: SessionRecord): void;
  findRole(roleName: string): RoleRecord | undefined;
  addRole(role: RoleRecord): void;
  removeRole(role: RoleRecord): void;
  userArn(path: string, userName: string): string;
  roleArn(path: string, roleName: string): string;
  clear(): void;
}

export function createAccountState(accountId: string): AccountState {
  const users = new Map<string, UserRecord>();
  const order = createSortedNames();
  const roles = new Map<string, RoleRecord>();
  const keys = new Map<string, KeyOwner>();

  return {
    accountId,
    passwordPolicy: undefined,
    get userCount() {
      return users.size;
    },
    findUser: (userName) => users.get(userName.toLowerCase()),
    addUser(user) {
      const lower = user.userName.toLowerCase();
      users.set(lower, user);
      order.insert(lower);
    },
    removeUser(user) {
      const lower = user.userName.toLowerCase();
      users.delete(lower);
      order.remove(lower);
      for (const key of user.accessKeys) {
        keys.delete(key.accessKeyId);
      }
    },
    *usersAfter(afterLowerName) {
      for (let i = order.indexAfter(afterLowerName); i < order.size; i++) {
        const user = users.get(order.at(i) ?? '');
        if (user !== undefined) {
          yield user;
        }
      }
    },
    allUsers: () => users.values(),
    findKey: (accessKeyId) => keys.get(accessKeyId),
    addAccessKey(key) {
      key.user.accessKeys.push(key);
      keys.set(key.accessKeyId, { kind: 'user', key });
    },
    removeAccessKey(key) {
      const list = key.user.accessKeys;
      list.splice(list.indexOf(key), 1);
      keys.delete(key.accessKeyId);
    },
    addSession(session) {
      keys.set(session.accessKeyId, { kind: 'session', session });
    },
    removeSession(session) {
      keys.delete(session.accessKeyId);
    },
    findRole: (roleName) => roles.get(roleName.toLowerCase()),
    addRole(role) {
      roles.set(role.roleName.toLowerCase(), role);
    },
    removeRole(role) {
      roles.delete(role.roleName.toLowerCase());
      for (const [id, owner] of keys) {
        if (owner.kind === 'session' && owner.session.role === role) {
          keys.delete(id);
        }
      }
    },
    userArn: (path, userName) => `arn:aws:iam::${accountId}:user${path}${userName}`,
    roleArn: (path, roleName) => `arn:aws:iam::${accountId}:role${path}${roleName}`,
    clear() {
      users.clear();
      order.clear();
      roles.clear();
      keys.clear();
      this.passwordPolicy = undefined;
    },
  };
}

/**
 * The diff of a discovery against the last complete snapshot (CONTRACT.md): users `added` and
 * `removed`, and per user the keys `changed` (`key_added`, `key_removed`, `key_status_changed`).
 * A partial listing yields no removal of any kind (DESIGN.md invariant 6): what it did not
 * see may well still exist.
 */
import type { AccessKeyStatus } from '../iam/iam-gateway.ts';
import type { DiscoveredUser } from './discovered-user.ts';

export type KeyChange = 'key_added' | 'key_removed' | 'key_status_changed';

export interface DiffEntry {
  userName: string;
  accessKeyId?: string;
  change?: KeyChange;
  /** The key's status now (`key_added`, `key_status_changed`). */
  status?: AccessKeyStatus;
  /** Set when the key is a managed account's key. */
  managed?: true;
}

export interface DiscoveryDiff {
  added: DiffEntry[];
  removed: DiffEntry[];
  changed: DiffEntry[];
}

/** Users by lower-cased name (discovered-user.ts `userField`). */
export type UsersByField = ReadonlyMap<string, DiscoveredUser>;

function keyEntry(
  user: DiscoveredUser,
  key: DiscoveredUser['accessKeys'][number],
  change: KeyChange,
): DiffEntry {
  return {
    userName: user.userName,
    accessKeyId: key.accessKeyId,
    change,
    ...(change === 'key_removed' ? {} : { status: key.status }),
    ...(key.managed ? { managed: true as const } : {}),
  };
}

function keyChanges(before: DiscoveredUser, after: DiscoveredUser, partial: boolean): DiffEntry[] {
  const changes: DiffEntry[] = [];
  const old = new Map(before.accessKeys.map((k) => [k.accessKeyId, k]));
  const now = new Set(after.accessKeys.map((k) => k.accessKeyId));
  for (const key of after.accessKeys) {
    const was = old.get(key.accessKeyId);
    if (was === undefined) {
      changes.push(keyEntry(after, key, 'key_added'));
    } else if (was.status !== key.status) {
      changes.push(keyEntry(after, key, 'key_status_changed'));
    }
  }
  if (!partial) {
    for (const key of before.accessKeys) {
      if (!now.has(key.accessKeyId)) {
        changes.push(keyEntry(before, key, 'key_removed'));
      }
    }
  }
  return changes;
}

/**
 * `before` undefined: the first discovery, where every user is `added`. A user deleted and
 * recreated under the same name (another UserId) is another principal: removed and added.
 */
export function diffSnapshots(
  before: UsersByField | undefined,
  after: UsersByField,
  options: { partial: boolean },
): DiscoveryDiff {
  const diff: DiscoveryDiff = { added: [], removed: [], changed: [] };
  const byName = (a: DiffEntry, b: DiffEntry) =>
    a.userName.localeCompare(b.userName) ||
    (a.accessKeyId ?? '').localeCompare(b.accessKeyId ?? '');
  for (const [field, user] of after) {
    const was = before?.get(field);
    if (was === undefined || was.userId !== user.userId) {
      diff.added.push({ userName: user.userName });
    } else {
      diff.changed.push(...keyChanges(was, user, options.partial));
    }
  }
  if (before !== undefined && !options.partial) {
    for (const [field, was] of before) {
      const now = after.get(field);
      if (now === undefined || now.userId !== was.userId) {
        diff.removed.push({ userName: was.userName });
      }
    }
  }
  diff.added.sort(byName);
  diff.removed.sort(byName);
  diff.changed.sort(byName);
  return diff;
}

/**
 * Which of a user's keys is whose (DESIGN.md "Rotation, step by step", invariant 3): the
 * account's current key, our previous key still being retired, a pending key of an earlier
 * rotation of ours, or someone else's key (Active or Inactive). A key is ours only if we
 * created it or it was named as the account's key at import.
 */
import type { AccessKey } from '../../../iam/iam-gateway.ts';
import type { VersionInfo } from '../../../vault/secret-store.ts';

export type KeyRole =
  'current' | 'previous' | 'pending_ours' | 'foreign_active' | 'foreign_inactive';

export interface ClassifiedKey extends AccessKey {
  role: KeyRole;
}

/** The access key id each vault stage holds. */
export function keyIdsInVault(versions: readonly VersionInfo[]): Map<string, string> {
  const byStage = new Map<string, string>();
  for (const version of versions) {
    for (const stage of version.stages) {
      if (version.accessKeyId !== undefined) {
        byStage.set(stage, version.accessKeyId);
      }
    }
  }
  return byStage;
}

export function classifyKeys(
  keys: readonly AccessKey[],
  ours: {
    currentAccessKeyId: string | undefined;
    vault: Map<string, string>;
    /** The key the last rotation set out to retire, when it has no vault version. */
    retiringAccessKeyId?: string | undefined;
  },
): ClassifiedKey[] {
  const current = new Set(
    [ours.currentAccessKeyId, ours.vault.get('current')].filter((id) => id !== undefined),
  );
  return keys.map((key) => {
    const id = key.accessKeyId;
    let role: KeyRole;
    if (current.has(id)) {
      role = 'current';
    } else if (ours.vault.get('previous') === id || ours.retiringAccessKeyId === id) {
      role = 'previous';
    } else if (ours.vault.get('pending') === id) {
      role = 'pending_ours';
    } else {
      role = key.status === 'Active' ? 'foreign_active' : 'foreign_inactive';
    }
    return { ...key, role };
  });
}

/** The key list a person needs to decide (no secret): id, status, role, creation date. */
export function describeKeys(keys: readonly ClassifiedKey[]) {
  return keys.map((key) => ({
    accessKeyId: key.accessKeyId,
    status: key.status,
    role: key.role,
    createdAt: key.createdAt?.toISOString(),
  }));
}

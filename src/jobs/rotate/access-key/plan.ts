/**
 * `plan` (DESIGN.md "Rotation, step by step"): refuses what the rotation could not finish,
 * before anything is created — an action the provider's last validation found denied, the
 * 2-key quota that invariant 3 cannot resolve, a user at the 50-tag quota. Then frees what it
 * may: finishes retiring our previous key, removes a pending key of an earlier rotation of
 * ours, an Inactive foreign key only when the policy allows it; never an Active key we do not
 * manage. Run again after a crash, it finds that work done and changes nothing more.
 */
import { canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import { isAppError, PermanentError } from '../../../errors.ts';
import type { RotationPorts, RotationStep } from '../rotation-kind.ts';
import { classifyKeys, type ClassifiedKey, describeKeys, keyIdsInVault } from './classify-keys.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { PlanRecord } from './journal-records.ts';
import { retireKeyNow } from './retire-key.ts';
import type { TagReadSkip } from './tag-read.ts';

/** IAM's quotas (reference/iam-api.md). */
export const MAX_ACCESS_KEYS = 2;
export const MAX_USER_TAGS = 50;

/** What an access-key rotation calls; any of them denied means it could not finish. */
export const ROTATION_ACTIONS = [
  'iam:ListAccessKeys',
  'iam:CreateAccessKey',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:ListUserTags',
  'iam:TagUser',
  'iam:UntagUser',
] as const;

const LAST_USED_ACTION = 'iam:GetAccessKeyLastUsed';

function refuseDenied(account: string, denied: readonly string[]): void {
  const missing = ROTATION_ACTIONS.filter((action) => denied.includes(action));
  if (missing.length > 0) {
    throw new PermanentError(
      'permission_denied',
      `${account}: the provider's last validation found ${missing.join(', ')} denied, which an access-key rotation needs; grant ${missing.length === 1 ? 'it' : 'them'} to the provider's principal and validate again. Nothing was changed`,
      { detail: { denied: missing } },
    );
  }
}

/** The old key's last use, where GetAccessKeyLastUsed is allowed: ISO, or null for never. */
async function lastUsedOf(
  ports: RotationPorts,
  accessKeyId: string,
  denied: readonly string[],
): Promise<string | null | undefined> {
  if (denied.includes(LAST_USED_ACTION)) {
    return undefined;
  }
  try {
    const used = await ports.iam.getAccessKeyLastUsed(accessKeyId);
    return used === undefined ? undefined : (used.lastUsedAt?.toISOString() ?? null);
  } catch (err) {
    if (isAppError(err) && (err.code === 'permission_denied' || err.code === 'not_implemented')) {
      return undefined;
    }
    throw err;
  }
}

export function planStep(deps: AccessKeyRotationDeps, tagReadSkip?: TagReadSkip): RotationStep {
  return {
    name: 'plan',
    async run({ account, journal }, ports) {
      const { iam, vault, vaultWrite } = ports;
      const name = displayRef(account);
      const { policy, denied } = await deps.providerOf(account.provider);
      refuseDenied(name, denied);
      const record = await deps.accounts.require(account);
      const owner = canonicalRef(account);
      const keys = classifyKeys(await iam.listAccessKeys(account.userName), {
        currentAccessKeyId: record.currentAccessKeyId,
        vault: keyIdsInVault(await vault.versions(owner)),
        retiringAccessKeyId: await deps.retiringKeyOf(account),
      });
      let tags = await iam.listUserTags(account.userName);
      const tagged = (id: string) => tags.some((tag) => tag.key === id);
      const removed: PlanRecord['removed'] = [];
      const remove = async (key: ClassifiedKey, why: string) => {
        await retireKeyNow(iam, account.userName, key, tagged(key.accessKeyId));
        tags = tags.filter((tag) => tag.key !== key.accessKeyId);
        removed.push({ accessKeyId: key.accessKeyId, why });
      };
      // Ours, left by an earlier rotation: a previous key still being retired, a pending one.
      for (const key of keys.filter((k) => k.role === 'previous')) {
        await remove(key, 'previous_retired');
        await vault.clear(owner, 'previous', vaultWrite);
      }
      for (const key of keys.filter((k) => k.role === 'pending_ours')) {
        await remove(key, 'pending_of_earlier_rotation');
        await vault.clear(owner, 'pending', vaultWrite);
      }
      let left = keys.filter((key) => !removed.some((r) => r.accessKeyId === key.accessKeyId));
      if (left.length >= MAX_ACCESS_KEYS) {
        const inactiveForeign = left.find((key) => key.role === 'foreign_inactive');
        if (inactiveForeign === undefined || !policy.removeInactiveForeignKeys) {
          const detail = { reason: 'needs_decision', keys: describeKeys(left) };
          await deps.refused(account, vaultWrite.jobId, detail);
          throw new PermanentError(
            'needs_decision',
            `${name}: the user has ${left.length} access keys (IAM allows ${MAX_ACCESS_KEYS}) and none may be removed: ${left.map((k) => `${k.accessKeyId} (${k.role}, ${k.status})`).join(', ')}. Delete or deactivate one yourself${inactiveForeign === undefined ? '' : ', or set removeInactiveForeignKeys in the provider policy'}; nothing was changed`,
            { detail },
          );
        }
        await remove(inactiveForeign, 'inactive_foreign_allowed_by_policy');
        left = left.filter((key) => key !== inactiveForeign);
      }
      const old = left.find((key) => key.role === 'current');
      if (tags.length >= MAX_USER_TAGS) {
        if (old === undefined || !tagged(old.accessKeyId)) {
          throw new PermanentError(
            'tag_quota',
            `${name}: the user holds ${tags.length} tags (IAM allows ${MAX_USER_TAGS}) and none is ours to remove, so the new key could not be tagged; remove one tag and rotate again. Nothing was changed`,
            { detail: { tags: tags.length } },
          );
        }
        // The retiring key's tag goes now rather than after its deletion: a slot for the new one.
        await iam.untagUser(account.userName, [old.accessKeyId]);
      }
      const lastUsedAt =
        old === undefined ? undefined : await lastUsedOf(ports, old.accessKeyId, denied);
      if (old !== undefined && lastUsedAt !== undefined) {
        await deps.lastUsed?.(account, {
          accessKeyId: old.accessKeyId,
          lastUsedAt,
          actor: vaultWrite.actor,
          jobId: vaultWrite.jobId,
        });
      }
      const planned: PlanRecord = {
        oldAccessKeyId: old?.accessKeyId,
        keyIds: left.map((key) => key.accessKeyId),
        removed,
        overlapSeconds: policy.overlapSeconds,
        deleteGraceSeconds: policy.deleteGraceSeconds,
        verifyTimeoutSeconds: policy.verifyTimeoutSeconds,
        oldKeyLastUsedAt: lastUsedAt,
      };
      ports.log.info(
        { rotationId: journal.rotationId, removed: removed.length },
        'rotation planned',
      );
      tagReadSkip?.planned(ports, journal.rotationId);
      return { record: { ...planned } };
    },
  };
}

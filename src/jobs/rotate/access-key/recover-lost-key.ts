/**
 * Recovery of a CreateAccessKey whose outcome is unknown (DESIGN.md invariant 4): after
 * `create_sent`, any failure — an error, a timeout, a lost connection, a crash — comes here,
 * never to a blind retry. A key is ours and unusable (its secret is lost) when it exists, is
 * not among the intent's ids, is not in the vault, has never been used (where
 * GetAccessKeyLastUsed is allowed) and was created inside the window of one of our sends. One
 * such key is deleted; more than one → `needs_decision`; a key outside every window is never
 * taken for ours.
 */
import { canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import { isAppError, PermanentError } from '../../../errors.ts';
import type { AccessKey } from '../../../iam/iam-gateway.ts';
import type { RotationPorts, StepInput } from '../rotation-kind.ts';
import { classifyKeys, describeKeys, keyIdsInVault } from './classify-keys.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { CreateSentRecord, PlanRecord } from './journal-records.ts';
import { recordOf, requireRecord } from './journal-records.ts';
import { createWindow, inAnyWindow } from './lost-key-window.ts';
import { deleteKey } from './retire-key.ts';

/** Never used, as far as IAM lets us see; `true` where GetAccessKeyLastUsed is not allowed. */
async function neverUsed(ports: RotationPorts, key: AccessKey): Promise<boolean> {
  try {
    const used = await ports.iam.getAccessKeyLastUsed(key.accessKeyId);
    return used?.lastUsedAt === undefined;
  } catch (err) {
    if (isAppError(err) && err.code === 'permission_denied') {
      return true;
    }
    throw err;
  }
}

/** Keys created by our lost sends, by the rules above (no change made). */
export async function findLostKeys(
  deps: AccessKeyRotationDeps,
  input: StepInput,
  ports: RotationPorts,
): Promise<AccessKey[]> {
  const { account, journal } = input;
  const sent = recordOf<CreateSentRecord>(journal, 'create_sent');
  if (sent === undefined) {
    return []; // nothing was ever sent: no key is ours
  }
  const intentIds = new Set(requireRecord<{ keyIds: string[] }>(journal, 'intent').keyIds);
  const inVault = new Set(
    keyIdsInVault(await ports.vault.versions(canonicalRef(account))).values(),
  );
  const keys = await ports.iam.listAccessKeys(account.userName);
  const skewMs = (await ports.iam.clockSkewMs?.()) ?? 0;
  const sentAt = new Date(sent.sentAt);
  const sends = [sentAt, ...(await deps.createAttempts(account, sentAt))];
  const windows = sends.map((at) => createWindow(at, sent.deadlineMs, skewMs));
  const candidates = keys.filter(
    (key) =>
      !intentIds.has(key.accessKeyId) &&
      !inVault.has(key.accessKeyId) &&
      inAnyWindow(key.createdAt, windows),
  );
  const lost: AccessKey[] = [];
  for (const key of candidates) {
    if (await neverUsed(ports, key)) {
      lost.push(key);
    }
  }
  if (lost.length > 1) {
    const plan = recordOf<PlanRecord>(journal, 'plan');
    const described = describeKeys(
      classifyKeys(keys, { currentAccessKeyId: plan?.oldAccessKeyId, vault: new Map() }),
    );
    const detail = { reason: 'needs_decision', rotationId: journal.rotationId, keys: described };
    await deps.refused(account, ports.vaultWrite.jobId, detail);
    throw new PermanentError(
      'needs_decision',
      `${displayRef(account)}: ${lost.length} keys (${lost.map((k) => k.accessKeyId).join(', ')}) were created while our CreateAccessKey's answer was lost, and only one can be ours; delete the ones that are not yours and replay the job`,
      { detail },
    );
  }
  return lost;
}

/** Deletes the key our lost send created, if there is one. */
export async function recoverLostKey(
  deps: AccessKeyRotationDeps,
  input: StepInput,
  ports: RotationPorts,
): Promise<string | undefined> {
  const [lost] = await findLostKeys(deps, input, ports);
  if (lost === undefined) {
    return undefined;
  }
  ports.log.warn(
    { rotationId: input.journal.rotationId, accessKeyId: lost.accessKeyId },
    'deleting the key a lost CreateAccessKey created (its secret was never seen)',
  );
  await deleteKey(ports.iam, input.account.userName, lost.accessKeyId);
  return lost.accessKeyId;
}

/**
 * Retiring a key of ours, in the order invariant 3 asks: Inactive first, then deleted (a key
 * already gone counts as deleted), then its user tag removed. Each part converges, so a retry
 * after a crash changes nothing more. Used by the rotation's own steps, by plan (finishing an
 * earlier retirement) and by the delayed `deactivate-old-key` / `delete-old-key` jobs.
 */
import { isAppError } from '../../../errors.ts';
import type { IamGateway, InFlightDrain } from '../../../iam/iam-gateway.ts';

/**
 * UpdateAccessKey Inactive; `alreadyGone` when IAM no longer knows the key. `inFlightDrain`
 * when calls signed with the key (a provider's own) were still in flight and were waited for.
 */
export async function deactivateKey(
  iam: IamGateway,
  userName: string,
  accessKeyId: string,
): Promise<{
  requestId?: string | undefined;
  alreadyGone: boolean;
  inFlightDrain?: InFlightDrain;
}> {
  try {
    const { requestId, inFlightDrain } = await iam.updateAccessKeyStatus(
      userName,
      accessKeyId,
      'Inactive',
    );
    return { requestId, alreadyGone: false, ...(inFlightDrain ? { inFlightDrain } : {}) };
  } catch (err) {
    if (isAppError(err) && err.code === 'entity_missing') {
      return { alreadyGone: true };
    }
    throw err;
  }
}

export async function deleteKey(
  iam: IamGateway,
  userName: string,
  accessKeyId: string,
): Promise<{ requestId?: string | undefined; alreadyGone: boolean }> {
  const { requestId, alreadyGone } = await iam.deleteAccessKey(userName, accessKeyId);
  return { requestId, alreadyGone };
}

/** Removes the user tag named after the key (removing an absent tag is no error in IAM). */
export async function untagKey(
  iam: IamGateway,
  userName: string,
  accessKeyId: string,
): Promise<{ requestId?: string | undefined }> {
  const { requestId } = await iam.untagUser(userName, [accessKeyId]);
  return { requestId };
}

/** Deactivated (if Active), deleted, untagged: the whole retirement at once. */
export async function retireKeyNow(
  iam: IamGateway,
  userName: string,
  key: { accessKeyId: string; status?: string | undefined },
  tagged: boolean,
): Promise<void> {
  if (key.status !== 'Inactive') {
    const { alreadyGone } = await deactivateKey(iam, userName, key.accessKeyId);
    if (alreadyGone) {
      if (tagged) {
        await untagKey(iam, userName, key.accessKeyId);
      }
      return;
    }
  }
  await deleteKey(iam, userName, key.accessKeyId);
  if (tagged) {
    await untagKey(iam, userName, key.accessKeyId);
  }
}

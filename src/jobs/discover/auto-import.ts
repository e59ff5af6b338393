/**
 * The lifecycle policy's `autoImport` (CONTRACT.md): the users a complete discovery that is not
 * the first found `added` get their access-key account managed (`manage`), then rotated
 * (`manage-and-reset`). A user the import refuses (two keys and none named, already managed)
 * is reported and left alone.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { AccountRecord } from '../../accounts/account-store.ts';
import { PermanentError } from '../../errors.ts';
import type { LifecyclePolicy } from '../../providers/lifecycle-policy.ts';
import type { EnqueuedJob } from '../define-job.ts';
import type { RequestRotation } from '../rotation-ports.ts';

export interface AutoImportDeps {
  /** The import of `account add` (reads IAM, changes nothing in AWS). */
  importAccount(account: AccountRef): Promise<AccountRecord>;
  requestRotation: RequestRotation;
}

export interface AutoImportOutcome {
  mode: LifecyclePolicy['autoImport'];
  imported: Array<{ account: string; rotation?: EnqueuedJob }>;
  skipped: Array<{ userName: string; reason: string; message: string }>;
}

export async function autoImportAdded(
  deps: AutoImportDeps,
  options: { provider: string; mode: LifecyclePolicy['autoImport']; userNames: string[] },
): Promise<AutoImportOutcome> {
  const outcome: AutoImportOutcome = { mode: options.mode, imported: [], skipped: [] };
  for (const userName of options.userNames) {
    const ref: AccountRef = { provider: options.provider, userName, kind: 'access-key' };
    let record: AccountRecord;
    try {
      record = await deps.importAccount(ref);
    } catch (err) {
      if (!(err instanceof PermanentError)) {
        throw err;
      }
      outcome.skipped.push({ userName, reason: err.code, message: err.message });
      continue;
    }
    const rotation =
      options.mode === 'manage-and-reset'
        ? await deps.requestRotation(ref, 'auto_import')
        : undefined;
    outcome.imported.push({ account: record.account, ...(rotation ? { rotation } : {}) });
  }
  return outcome;
}

/**
 * Which accounts the rotation sweep rotates: those whose age reaches `rotateEveryDays`. Age is
 * counted as DESIGN.md says, from our last rotation or, for an account never rotated, from its
 * import — never from the key's creation date in AWS, so a just-imported old key is not
 * rotated at once. A failed rotation replaced nothing, so it does not restart the count; an
 * account whose rotation is running (`rotating`) is left to it.
 */
import type { AccountRecord } from '../../accounts/account-store.ts';

const DAY_MS = 24 * 3600 * 1000;

/** When the account's current credential became ours: the origin of its age. */
export function ageOrigin(account: Pick<AccountRecord, 'importedAt' | 'lastRotation'>): string {
  const last = account.lastRotation;
  return last !== undefined &&
    last.state !== 'failed' &&
    Date.parse(last.at) > Date.parse(account.importedAt)
    ? last.at
    : account.importedAt;
}

export function dueForRotation<
  A extends Pick<AccountRecord, 'importedAt' | 'lastRotation' | 'status'>,
>(accounts: readonly A[], rotateEveryDays: number, now: Date): A[] {
  const threshold = rotateEveryDays * DAY_MS;
  return accounts.filter(
    (account) =>
      account.status !== 'rotating' && now.getTime() - Date.parse(ageOrigin(account)) >= threshold,
  );
}

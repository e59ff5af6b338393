/** DESIGN.md's heartbeat verdicts: which are out of sync, and which a rotation can fix. */

export const VERDICTS = [
  'in_sync',
  'secret_invalid',
  'secret_unknown',
  'key_inactive',
  'key_missing',
  'foreign_key_present',
  'user_missing',
  'user_recreated',
  'login_profile_missing',
  'rotation_in_progress',
  'provider_denied',
] as const;

export type Verdict = (typeof VERDICTS)[number];

/** What a check found: the verdict, a sentence saying why, and ids (never a secret). */
export interface Finding {
  verdict: Verdict;
  detail: string;
  /** The key the check was about (access-key accounts). */
  accessKeyId?: string | undefined;
  /** Keys of the user that are not ours (`foreign_key_present`). */
  foreignKeys?: Array<{ accessKeyId: string; status: string }> | undefined;
}

/** With `onOutOfSync: rotate`, these enqueue a rotation; the others only alert. */
export const ROTATION_FIXES: ReadonlySet<Verdict> = new Set([
  'secret_invalid',
  'secret_unknown',
  'key_inactive',
  'key_missing',
  'login_profile_missing',
]);

/** Out of sync: everything but `in_sync` and an open rotation (which is the account `rotating`). */
export function isOutOfSync(verdict: Verdict): boolean {
  return verdict !== 'in_sync' && verdict !== 'rotation_in_progress';
}

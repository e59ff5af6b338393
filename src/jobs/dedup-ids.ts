/** The deduplication ids of CONTRACT.md's table: same work, same id. */
import { type AccountRef, canonicalRef } from '../accounts/account-ref.ts';

/** `<provider>:<job name>` for provider-wide jobs. */
export function providerDedupId(provider: string, jobName: string): string {
  return `${provider}:${jobName}`;
}

/** `<provider>/<user>/<kind>:<job name>` for jobs on one managed account (user lower-cased). */
export function accountDedupId(account: AccountRef, jobName: string): string {
  return `${canonicalRef(account)}:${jobName}`;
}

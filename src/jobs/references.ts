/**
 * Payload building blocks shared by contracts: CONTRACT.md's identifiers, and the
 * deduplication ids of its table (user names lower-cased: IAM names are case-insensitive).
 */
import { z } from 'zod';

export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a provider id: lower-case letters, digits, "-"');

export const iamUserName = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM user name (1-64 of letters, digits, '+=,.@_-')");

export const accountKind = z.enum(['access-key', 'password']);

/** `<provider>:<job name>` for provider-wide jobs. */
export function providerDedupId(provider: string, jobName: string): string {
  return `${provider}:${jobName}`;
}

/** `<provider>/<user>/<kind>:<job name>` for jobs on one managed account. */
export function accountDedupId(
  provider: string,
  userName: string,
  kind: string,
  jobName: string,
): string {
  return `${provider}/${userName.toLowerCase()}/${kind}:${jobName}`;
}

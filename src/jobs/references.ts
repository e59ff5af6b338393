/**
 * Payload building blocks shared by contracts: CONTRACT.md's identifiers, and the
 * deduplication ids of its table (user names lower-cased: IAM names are case-insensitive).
 */
import { z } from 'zod';

import { IAM_USER_NAME, PROVIDER_ID } from '../identifiers.ts';

export const providerId = z
  .string()
  .regex(PROVIDER_ID, 'must be a provider id: lower-case letters, digits, "-"');

export const iamUserName = z
  .string()
  .regex(IAM_USER_NAME, "must be an IAM user name (1-64 of letters, digits, '+=,.@_-')");

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

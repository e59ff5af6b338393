/**
 * The identifiers of CONTRACT.md and AWS, in one place: their patterns, the zod schemas built
 * on them, and the shapes that name an IAM user and a managed account.
 */
import { z } from 'zod';

import { invalidInput } from './errors.ts';

/** A provider id: `^[a-z0-9][a-z0-9-]{0,62}$`. */
export const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** AWS's IAM user name pattern (compared without case by IAM). */
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
/** An access key id (AKIA…/ASIA…): 16-128 capital letters and digits. */
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** AWS's IAM path prefix pattern (ListUsers `PathPrefix`): a slash, then printable ASCII. */
export const IAM_PATH_PREFIX = /^\/[\x21-\x7f]{0,511}$/;
/** An AWS region name, or the global pseudo-region. */
export const AWS_REGION = /^([a-z]{2}(-[a-z]+)+-\d+|aws-global)$/;

/** What a managed account holds: an access key or a console password. */
export const ACCOUNT_KINDS = ['access-key', 'password'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const providerIdSchema = z
  .string()
  .regex(PROVIDER_ID, 'must be 1-63 lower-case letters, digits and "-", not starting with "-"');

export const iamUserNameSchema = z
  .string()
  .regex(IAM_USER_NAME, 'must be 1-64 characters of letters, digits and +=,.@_-');

export const accessKeyIdSchema = z
  .string()
  .regex(ACCESS_KEY_ID, 'must be 16-128 upper-case letters and digits (an access key id)');

export const accountKindSchema = z.enum(ACCOUNT_KINDS, {
  error: `must be ${ACCOUNT_KINDS.join(' or ')}`,
});

/** One IAM user of one provider: what a lease guards and what an account belongs to. */
export interface UserRef {
  provider: string;
  /** As given; IAM compares user names without case, so keys lower-case it (keys.ts). */
  userName: string;
}

/** Input as an error message may quote it: JSON-quoted (odd characters escaped), cut to 64. */
export function quoteInput(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** `value` if its schema accepts it; otherwise `invalid_input`: `<what> "<value>": <why>`. */
export function checkIdentifier<T>(schema: z.ZodType<T>, what: string, value: string): T {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    throw invalidInput(`${what} ${quoteInput(value)}: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  return parsed.data;
}

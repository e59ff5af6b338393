/** The identifier patterns of CONTRACT.md and AWS, in one place. */

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

/** Input as an error message may quote it: JSON-quoted (odd characters escaped), cut to 64. */
export function quoteInput(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

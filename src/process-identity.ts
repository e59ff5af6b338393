/**
 * This process among all of iam-pam's (workers, `api`, each CLI run): `<host>:<pid>:<instance>`,
 * the instance a random part since a pid is reused. Every IAM and STS call carries it in its
 * user agent as `iam-pam-process/<host>-<pid>-<instance>` (the SDK writes `:` as `-`) after
 * `iam-pam/<version>`, so IAM's side (CloudTrail's userAgent, the sandbox's request log) tells which process made
 * each call; the signing registry's entries (queue/signing-registry.ts) name the same host
 * and pid.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import { VERSION } from './version.ts';

export const PROCESS_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** The SDK clients' `customUserAgent`: `iam-pam/<version> iam-pam-process/<process id>`. */
export const IAM_PAM_USER_AGENT: Array<[string, string]> = [
  ['iam-pam', VERSION],
  ['iam-pam-process', PROCESS_ID],
];

/**
 * IAM answers that are themselves a verdict: the user is gone, or the provider's principal may
 * not read. Anything else (throttling, 5xx, network) gives no verdict: the error goes on and
 * the job retries, so a read cut short never reads as `key_missing`.
 */
import { isAppError } from '../../errors.ts';
import type { Finding } from './verdicts.ts';

/** Thrown by `readOrVerdict`; `withReadVerdicts` turns it into the check's finding. */
class VerdictFromRead extends Error {
  readonly finding: Finding;

  constructor(finding: Finding) {
    super(finding.detail);
    this.finding = finding;
  }
}

export async function readOrVerdict<T>(userName: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isAppError(err) && err.code === 'user_missing') {
      throw new VerdictFromRead({
        verdict: 'user_missing',
        detail: `IAM has no user ${userName}: it was deleted`,
      });
    }
    if (isAppError(err) && err.code === 'permission_denied') {
      const action =
        typeof err.detail?.action === 'string' ? `iam:${err.detail.action}` : 'an IAM read';
      throw new VerdictFromRead({
        verdict: 'provider_denied',
        detail: `the provider's principal may not call ${action}, so the account cannot be checked; grant it (iam-pam provider validate names what is missing)`,
      });
    }
    throw err;
  }
}

/** Runs a check; a read that answered with a verdict ends it with that verdict. */
export async function withReadVerdicts(check: () => Promise<Finding>): Promise<Finding> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof VerdictFromRead) {
      return err.finding;
    }
    throw err;
  }
}

/**
 * The error catalogue: every stable error code and how it surfaces (CLI exit code, HTTP
 * status). Whether waiting can help is the error's class (PermanentError or TransientError),
 * not its code. Error messages never contain a secret.
 */

interface ErrorCodeSpec {
  /**
   * CLI exit code: 1 refused/failed, 2 bad input or usage (a provider, account or job that does
   * not exist included: every 404 is a 2), 3 a dependency is unreachable.
   */
  exit: 1 | 2 | 3;
  /** HTTP status for the API's `{"error":{"code","message"}}` body. */
  http: number;
}

export const ERROR_CODES = {
  config_invalid: { exit: 2, http: 500 },
  invalid_input: { exit: 2, http: 400 },
  invalid_payload: { exit: 2, http: 400 },
  not_found: { exit: 2, http: 404 },
  unauthorized: { exit: 2, http: 401 },
  forbidden: { exit: 2, http: 403 },
  conflict: { exit: 1, http: 409 },
  rotation_in_progress: { exit: 1, http: 409 },
  needs_decision: { exit: 1, http: 409 },
  provider_in_use: { exit: 1, http: 409 },
  redis_unavailable: { exit: 3, http: 503 },
  redis_misconfigured: { exit: 3, http: 503 },
  iam_unreachable: { exit: 3, http: 502 },
  iam_throttled: { exit: 3, http: 502 },
  iam_unavailable: { exit: 3, http: 502 },
  iam_busy: { exit: 1, http: 409 },
  new_key_not_yet_valid: { exit: 1, http: 502 },
  permission_denied: { exit: 1, http: 502 },
  /** The IAM user does not exist: the account named cannot exist either. */
  user_missing: { exit: 2, http: 404 },
  entity_missing: { exit: 2, http: 404 },
  entity_exists: { exit: 1, http: 409 },
  quota_exceeded: { exit: 1, http: 409 },
  /** The user holds 50 tags and none is ours to remove: the new key could not be tagged. */
  tag_quota: { exit: 1, http: 409 },
  /** A new access key never authenticated within verifyTimeoutSeconds: the old one stays Active. */
  verify_timeout: { exit: 1, http: 504 },
  password_policy_violation: { exit: 1, http: 422 },
  /** The provider's password policy, alone or with the account's, admits no password. */
  password_policy_unsatisfiable: { exit: 1, http: 422 },
  iam_rejected_input: { exit: 1, http: 502 },
  provider_credential_invalid: { exit: 1, http: 502 },
  /** The SDK's credential chain found nothing where the process runs (a `chain` provider). */
  provider_credentials_unavailable: { exit: 3, http: 502 },
  provider_key_superseded: { exit: 1, http: 502 },
  not_implemented: { exit: 1, http: 502 },
  lease_lost: { exit: 1, http: 409 },
  deadline_exceeded: { exit: 1, http: 504 },
  vault_unreadable: { exit: 1, http: 500 },
  /** The account exists but its secret was never adopted nor rotated in: nothing to show. */
  secret_unknown: { exit: 1, http: 409 },
  /** A job name no contract declares (on that queue): a newer or foreign producer's job. */
  unknown_job: { exit: 2, http: 404 },
  /**
   * The job was removed (by someone else) before it finished: it existed, so this is a bad
   * outcome (exit 1), not a job that does not exist; 410 Gone, where HTTP would say it.
   */
  job_removed: { exit: 1, http: 410 },
  internal: { exit: 1, http: 500 },
} satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  cause?: unknown;
  /** Machine-readable detail (key ids, action names); never a secret. */
  detail?: Record<string, unknown>;
}

/** An error with a stable code; its subclass says whether waiting helps. */
export abstract class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = options.detail;
  }
}

/** Retrying cannot help: the job goes to the dead-letter with this reason. */
export class PermanentError extends AppError {}

/** Waiting may help: the job retries with backoff. */
export class TransientError extends AppError {
  /** A hint from the source (Retry-After, throttling budget), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: AppErrorOptions & { retryAfterMs?: number } = {},
  ) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Bad input from a person or a caller: nothing was changed (exit 2, HTTP 400). */
export function invalidInput(message: string, detail?: Record<string, unknown>): PermanentError {
  return new PermanentError('invalid_input', message, detail === undefined ? {} : { detail });
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function exitCodeOf(err: unknown): 1 | 2 | 3 {
  return isAppError(err) ? ERROR_CODES[err.code].exit : 1;
}

export function httpStatusOf(err: unknown): number {
  return isAppError(err) ? ERROR_CODES[err.code].http : 500;
}

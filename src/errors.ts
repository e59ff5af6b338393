/**
 * The error catalogue: every stable error code, whether waiting can help, and how it surfaces
 * (CLI exit code, HTTP status). Error messages never contain a secret.
 */

interface ErrorCodeSpec {
  /** Whether a retry after a delay can succeed. */
  retryable: boolean;
  /**
   * CLI exit code: 1 refused/failed, 2 bad input or usage (a provider, account or job that does
   * not exist included: every 404 is a 2), 3 a dependency is unreachable.
   */
  exit: 1 | 2 | 3;
  /** HTTP status for the API's `{"error":{"code","message"}}` body. */
  http: number;
}

const permanent = (exit: 1 | 2 | 3, http: number): ErrorCodeSpec => ({
  retryable: false,
  exit,
  http,
});
const transient = (exit: 1 | 3, http: number): ErrorCodeSpec => ({ retryable: true, exit, http });

export const ERROR_CODES = {
  config_invalid: permanent(2, 500),
  invalid_input: permanent(2, 400),
  invalid_payload: permanent(2, 400),
  not_found: permanent(2, 404),
  unauthorized: permanent(2, 401),
  forbidden: permanent(2, 403),
  conflict: permanent(1, 409),
  rotation_in_progress: permanent(1, 409),
  needs_decision: permanent(1, 409),
  provider_in_use: permanent(1, 409),
  redis_unavailable: transient(3, 503),
  redis_misconfigured: permanent(3, 503),
  iam_unreachable: transient(3, 502),
  iam_throttled: transient(3, 502),
  iam_unavailable: transient(3, 502),
  iam_busy: transient(1, 409),
  new_key_not_yet_valid: transient(1, 502),
  permission_denied: permanent(1, 502),
  /** The IAM user does not exist: the account named cannot exist either. */
  user_missing: permanent(2, 404),
  entity_missing: permanent(2, 404),
  entity_exists: permanent(1, 409),
  quota_exceeded: permanent(1, 409),
  password_policy_violation: permanent(1, 422),
  iam_rejected_input: permanent(1, 502),
  provider_credential_invalid: permanent(1, 502),
  provider_key_superseded: transient(1, 502),
  not_implemented: permanent(1, 502),
  lease_lost: transient(1, 409),
  deadline_exceeded: transient(1, 504),
  vault_unreadable: permanent(1, 500),
  /** The account exists but its secret was never adopted nor rotated in: nothing to show. */
  secret_unknown: permanent(1, 409),
  /** A job name no contract declares (on that queue): a newer or foreign producer's job. */
  unknown_job: permanent(2, 404),
  /**
   * The job was removed (by someone else) before it finished: it existed, so this is a bad
   * outcome (exit 1), not a job that does not exist; 410 Gone, where HTTP would say it.
   */
  job_removed: permanent(1, 410),
  internal: transient(1, 500),
} satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  cause?: unknown;
  /** Machine-readable detail (key ids, action names); never a secret. */
  detail?: Record<string, unknown>;
}

/** An error with a stable code. Prefer the two subclasses, which say whether waiting helps. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.detail = options.detail;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
}

/** Retrying cannot help: the job goes to the dead-letter with this reason. */
export class PermanentError extends AppError {
  override get retryable(): boolean {
    return false;
  }
}

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

  override get retryable(): boolean {
    return true;
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

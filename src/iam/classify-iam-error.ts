/**
 * Turns whatever the AWS SDK throws into a PermanentError or TransientError with a stable code.
 * Classification is by the wire code (`err.name`): unmodeled IAM errors (Throttling,
 * AccessDenied, InvalidClientTokenId, ValidationError, …) arrive as a bare IAMServiceException
 * whose name is that code, so `instanceof` would miss them (iam-api.md §2.3).
 */
import { type ErrorCode, PermanentError, TransientError } from '../errors.ts';

export interface IamErrorContext {
  /** The IAM/STS action, by its wire name (`CreateAccessKey`). */
  action: string;
  /**
   * `new_key`: the call was signed with a key we just created (the `verify` step), so an
   * unknown-key answer means "not propagated yet" and is worth a retry.
   */
  signedWith?: 'provider' | 'new_key';
}

type Kind = 'permanent' | 'transient';

/** Wire codes (and the SDK's modeled exception names) with their code and retry class. */
const BY_WIRE_CODE: Record<string, [ErrorCode, Kind]> = {
  NoSuchEntity: ['entity_missing', 'permanent'],
  EntityAlreadyExists: ['entity_exists', 'permanent'],
  LimitExceeded: ['quota_exceeded', 'permanent'],
  PasswordPolicyViolation: ['password_policy_violation', 'permanent'],
  EntityTemporarilyUnmodifiable: ['iam_busy', 'transient'],
  ConcurrentModification: ['iam_busy', 'transient'],
  InvalidInput: ['iam_rejected_input', 'permanent'],
  ValidationError: ['iam_rejected_input', 'permanent'],
  MalformedPolicyDocument: ['iam_rejected_input', 'permanent'],
  UnmodifiableEntity: ['iam_rejected_input', 'permanent'],
  ServiceFailure: ['iam_unavailable', 'transient'],
  PolicyEvaluation: ['iam_unavailable', 'transient'],
  InternalFailure: ['iam_unavailable', 'transient'],
  ServiceUnavailable: ['iam_unavailable', 'transient'],
  RequestExpired: ['iam_unavailable', 'transient'],
  ExpiredToken: ['iam_unavailable', 'transient'],
  Throttling: ['iam_throttled', 'transient'],
  RequestLimitExceeded: ['iam_throttled', 'transient'],
  TooManyRequests: ['iam_throttled', 'transient'],
  AccessDenied: ['permission_denied', 'permanent'],
  InvalidClientTokenId: ['provider_credential_invalid', 'permanent'],
  SignatureDoesNotMatch: ['provider_credential_invalid', 'permanent'],
  IncompleteSignature: ['provider_credential_invalid', 'permanent'],
  MissingAuthenticationToken: ['provider_credential_invalid', 'permanent'],
  InvalidAction: ['not_implemented', 'permanent'],
  NotImplemented: ['not_implemented', 'permanent'],
};

const NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The SDK's modeled names end in "Exception"; unmodeled ones are the wire code itself. */
/** Whether `name` is one of IAM's error codes (such as `ExpiredToken`) that we know. */
export function isIamWireCode(name: string): boolean {
  return Object.hasOwn(BY_WIRE_CODE, name);
}

export function wireCodeOf(err: { name?: string; Code?: unknown }): string {
  if (typeof err.Code === 'string' && err.Code !== '') {
    return err.Code;
  }
  const name = err.name ?? 'Error';
  return name.endsWith('Exception') ? name.slice(0, -'Exception'.length) : name;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $retryable?: unknown;
}

export function classifyIamError(
  err: unknown,
  context: IamErrorContext,
): PermanentError | TransientError {
  if (err instanceof PermanentError || err instanceof TransientError) {
    return err;
  }
  const e: SdkErrorShape = typeof err === 'object' && err !== null ? err : { message: String(err) };
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const message = e.message ?? String(err);
  // attempts: how many times the SDK sent the request (a re-send follows a lost answer).
  const detail = {
    action: context.action,
    requestId,
    httpStatus: status,
    attempts: e.$metadata?.attempts,
  };
  const where = `${context.action}`;
  // The SDK error drags the whole HTTP exchange along ($response, request headers): keep its gist.
  const cause = { name: e.name, message, code: e.code, $metadata: e.$metadata };
  const options = { cause, detail: { ...detail, awsCode: undefined as string | undefined } };

  const socketCode = e.code;
  if (
    (socketCode !== undefined && NETWORK_ERRORS.has(socketCode)) ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError'
  ) {
    return new TransientError(
      'iam_unreachable',
      `${where}: IAM endpoint unreachable (${socketCode ?? e.name}); check the provider's endpoint and the network`,
      options,
    );
  }
  if (/XML parse error|Deserialization error|Unexpected token/.test(message)) {
    // moto answers unimplemented actions with an HTML 500: no retry makes it XML.
    return new PermanentError(
      'not_implemented',
      `${where}: the endpoint did not answer with IAM's XML (HTTP ${status ?? '?'}); it probably does not implement ${context.action}`,
      options,
    );
  }

  const wire = wireCodeOf(e);
  options.detail.awsCode = wire;
  const text = `${where}: ${wire}: ${message}${requestId ? ` (request ${requestId})` : ''}`;
  const known = BY_WIRE_CODE[wire] ?? BY_WIRE_CODE[wire.replace(/Exception$/, '')];
  if (known !== undefined) {
    const [knownCode, kind] = known;
    const code =
      knownCode === 'entity_missing' && /^The user with name .* cannot be found/.test(message)
        ? 'user_missing'
        : knownCode;
    if (
      code === 'provider_credential_invalid' &&
      context.signedWith === 'new_key' &&
      (wire === 'InvalidClientTokenId' || wire === 'SignatureDoesNotMatch')
    ) {
      return new TransientError(
        'new_key_not_yet_valid',
        `${text}; IAM has not propagated the new key yet`,
        options,
      );
    }
    return kind === 'transient'
      ? new TransientError(code, text, options)
      : new PermanentError(code, text, options);
  }
  if (status !== undefined && status >= 500) {
    return new TransientError('iam_unavailable', text, options);
  }
  if (status !== undefined && status >= 400) {
    return new PermanentError('iam_rejected_input', text, options);
  }
  return new TransientError('internal', text, options);
}

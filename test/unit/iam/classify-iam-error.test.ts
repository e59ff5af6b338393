import {
  ConcurrentModificationException,
  EntityAlreadyExistsException,
  EntityTemporarilyUnmodifiableException,
  IAMServiceException,
  InvalidInputException,
  LimitExceededException,
  NoSuchEntityException,
  PasswordPolicyViolationException,
  PolicyEvaluationException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';

import { PermanentError, TransientError } from '../../../src/errors.ts';
import { classifyIamError } from '../../../src/iam/classify-iam-error.ts';

const meta = (status: number) => ({
  httpStatusCode: status,
  requestId: 'req-123',
  attempts: 1,
  totalRetryDelay: 0,
});

/** An unmodeled wire code, as the SDK surfaces it: IAMServiceException named after the code. */
function unmodeled(code: string, status: number, message = 'm') {
  return new IAMServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: meta(status),
    message,
  });
}

function modeled<T>(
  Ctor: new (opts: { $metadata: ReturnType<typeof meta>; message: string }) => T,
  status: number,
  message = 'm',
): T {
  return new Ctor({ $metadata: meta(status), message });
}

describe('classifyIamError', () => {
  it.each([
    [
      'NoSuchEntity (a key)',
      modeled(NoSuchEntityException, 404, 'The Access Key with id AKIA1 cannot be found.'),
      'entity_missing',
      false,
    ],
    [
      'NoSuchEntity (the user)',
      modeled(NoSuchEntityException, 404, 'The user with name bob cannot be found.'),
      'user_missing',
      false,
    ],
    ['EntityAlreadyExists', modeled(EntityAlreadyExistsException, 409), 'entity_exists', false],
    [
      'LimitExceeded',
      modeled(LimitExceededException, 409, 'Cannot exceed quota for AccessKeysPerUser: 2'),
      'quota_exceeded',
      false,
    ],
    [
      'PasswordPolicyViolation',
      modeled(PasswordPolicyViolationException, 400),
      'password_policy_violation',
      false,
    ],
    [
      'EntityTemporarilyUnmodifiable',
      modeled(EntityTemporarilyUnmodifiableException, 409),
      'iam_busy',
      true,
    ],
    ['InvalidInput', modeled(InvalidInputException, 400), 'iam_rejected_input', false],
    ['ConcurrentModification', modeled(ConcurrentModificationException, 409), 'iam_busy', true],
    ['ServiceFailure', modeled(ServiceFailureException, 500), 'iam_unavailable', true],
    ['PolicyEvaluation', modeled(PolicyEvaluationException, 500), 'iam_unavailable', true],
    ['ValidationError', unmodeled('ValidationError', 400), 'iam_rejected_input', false],
    ['Throttling', unmodeled('Throttling', 400, 'Rate exceeded'), 'iam_throttled', true],
    ['ThrottlingException', unmodeled('ThrottlingException', 400), 'iam_throttled', true],
    ['AccessDenied', unmodeled('AccessDenied', 403), 'permission_denied', false],
    [
      'InvalidClientTokenId (provider key)',
      unmodeled('InvalidClientTokenId', 403),
      'provider_credential_invalid',
      false,
    ],
    [
      'SignatureDoesNotMatch (provider key)',
      unmodeled('SignatureDoesNotMatch', 403),
      'provider_credential_invalid',
      false,
    ],
    [
      'IncompleteSignature',
      unmodeled('IncompleteSignature', 400),
      'provider_credential_invalid',
      false,
    ],
    [
      'MissingAuthenticationToken',
      unmodeled('MissingAuthenticationToken', 403),
      'provider_credential_invalid',
      false,
    ],
    ['RequestExpired', unmodeled('RequestExpired', 400), 'iam_unavailable', true],
    ['ExpiredToken', unmodeled('ExpiredToken', 403), 'iam_unavailable', true],
    ['InvalidAction', unmodeled('InvalidAction', 400), 'not_implemented', false],
    ['InternalFailure', unmodeled('InternalFailure', 500), 'iam_unavailable', true],
    ['ServiceUnavailable', unmodeled('ServiceUnavailable', 503), 'iam_unavailable', true],
    ['an unknown 5xx code', unmodeled('SomethingNew', 502), 'iam_unavailable', true],
    ['an unknown 4xx code', unmodeled('SomethingElse', 400), 'iam_rejected_input', false],
  ])('classifies %s', (_label, err, code, retryable) => {
    const classified = classifyIamError(err, { action: 'CreateAccessKey' });
    expect(classified.code).toBe(code);
    expect(classified).toBeInstanceOf(retryable ? TransientError : PermanentError);
    expect(classified.detail).toMatchObject({ action: 'CreateAccessKey', requestId: 'req-123' });
    expect(classified.message).toContain('CreateAccessKey: ');
  });

  it('retries an unknown key only when it signed with a key we just created (propagation)', () => {
    for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch']) {
      const classified = classifyIamError(unmodeled(code, 403), {
        action: 'GetCallerIdentity',
        signedWith: 'new_key',
      });
      expect(classified.code).toBe('new_key_not_yet_valid');
      expect(classified).toBeInstanceOf(TransientError);
    }
  });

  it('treats network failures as transient and unreachable', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const classified = classifyIamError(err, { action: 'ListUsers' });
    expect(classified.code).toBe('iam_unreachable');
    expect(classified).toBeInstanceOf(TransientError);
  });

  it('does not retry an HTML answer from an endpoint that lacks the action (moto)', () => {
    const err = Object.assign(
      new Error('@aws-sdk XML parse error: mismatched tags <html>.\n  Deserialization error: ...'),
      { $metadata: { httpStatusCode: 500 } },
    );
    const classified = classifyIamError(err, { action: 'SimulatePrincipalPolicy' });
    expect(classified.code).toBe('not_implemented');
    expect(classified).toBeInstanceOf(PermanentError);
  });

  it('keeps how many times the SDK sent the request (a re-send follows a lost answer)', () => {
    const resent = modeled(PasswordPolicyViolationException, 400);
    resent.$metadata.attempts = 2;
    expect(classifyIamError(resent, { action: 'UpdateLoginProfile' }).detail).toMatchObject({
      attempts: 2,
    });
    const once = classifyIamError(modeled(PasswordPolicyViolationException, 400), {
      action: 'UpdateLoginProfile',
    });
    expect(once.detail).toMatchObject({ attempts: 1 });
  });

  it('passes our own errors through unchanged', () => {
    const ours = new PermanentError('needs_decision', 'two foreign keys');
    expect(classifyIamError(ours, { action: 'CreateAccessKey' })).toBe(ours);
  });
});

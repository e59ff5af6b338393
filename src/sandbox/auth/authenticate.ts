/**
 * Authentication as AWS does it, against the sandbox's own key store: unknown, deleted,
 * Inactive and not-yet-propagated keys get InvalidClientTokenId; a signature that does not
 * match (wrong secret, tampered body, wrong scope) gets SignatureDoesNotMatch; an expired
 * session gets ExpiredToken. Any region in the credential scope is accepted.
 */
import { IamError } from '../protocol/iam-error.ts';
import type { Service } from '../protocol/envelope.ts';
import type { AccountState } from '../state/account-state.ts';
import type { Caller } from './caller.ts';
import { checkSkew, requestTime } from './request-time.ts';
import {
  type ArrivedRequest,
  createSigningKeyCache,
  expectedSignature,
  parseAuthorization,
  sha256Hex,
  signaturesEqual,
} from './sigv4.ts';

export interface Authenticated {
  caller: Caller;
  /** The credential scope's region (recorded as the key's last-used region). */
  region: string;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export const invalidClientTokenId = (service: Service): IamError =>
  new IamError(
    'InvalidClientTokenId',
    403,
    // STS has been seen without the final period (iam-api.md §3).
    `The security token included in the request is invalid${service === 'iam' ? '.' : ''}`,
  );

const signatureMismatch = (message = SIGNATURE_MISMATCH) =>
  new IamError('SignatureDoesNotMatch', 403, message);

/** The access key id a request claims, before anything is verified (for the request log). */
export function claimedAccessKeyId(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

export function authenticate(
  request: ArrivedRequest,
  service: Service,
  state: AccountState,
  now: number,
  signingKeys = createSigningKeyCache(1),
): Authenticated {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw new IamError(
      'MissingAuthenticationToken',
      403,
      'Request is missing Authentication Token',
    );
  }
  const auth = parseAuthorization(header);
  const { amzDate, ms } = requestTime(request.headers);
  if (auth.terminator !== 'aws4_request') {
    throw signatureMismatch(
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`,
    );
  }
  if (auth.service !== service) {
    throw signatureMismatch(`Credential should be scoped to correct service: '${service}'. `);
  }
  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    throw signatureMismatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  checkSkew(amzDate, ms, now);

  const owner = state.findKey(auth.accessKeyId);
  const token = request.headers['x-amz-security-token'];
  let secret: string;
  let caller: Caller;
  if (owner === undefined) {
    throw invalidClientTokenId(service);
  } else if (owner.kind === 'user') {
    const key = owner.key;
    // An Inactive key, or one IAM has not propagated yet, is unknown to the endpoint.
    if (key.status !== 'Active' || now < key.validFrom || token !== undefined) {
      throw invalidClientTokenId(service);
    }
    secret = key.secretAccessKey;
    caller = {
      kind: 'user',
      user: key.user,
      accessKeyId: key.accessKeyId,
      arn: key.user.arn,
      userId: key.user.userId,
    };
  } else {
    const session = owner.session;
    if (token !== session.sessionToken) {
      throw invalidClientTokenId(service);
    }
    if (now >= session.expiresAt) {
      throw new IamError(
        'ExpiredToken',
        403,
        'The security token included in the request is expired',
      );
    }
    secret = session.secretAccessKey;
    caller = {
      kind: 'session',
      session,
      accessKeyId: session.accessKeyId,
      arn: session.arn,
      userId: session.assumedRoleId,
    };
  }
  const payloadHash = sha256Hex(request.body);
  const expected = expectedSignature(request, auth, amzDate, secret, payloadHash, signingKeys);
  if (!signaturesEqual(expected, auth.signature)) {
    throw signatureMismatch();
  }
  return { caller, region: auth.region };
}

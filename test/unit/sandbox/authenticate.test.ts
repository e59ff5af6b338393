/** SigV4 verification against the sandbox's key store, with requests signed by the SDK's signer. */
import { describe, expect, it } from 'vitest';

import { authenticate } from '../../../src/sandbox/auth/authenticate.ts';
import type { ArrivedRequest } from '../../../src/sandbox/auth/sigv4.ts';
import { IamError } from '../../../src/sandbox/protocol/iam-error.ts';
import {
  type QueryRequestInput,
  type SignedQueryRequest,
  signQueryRequest,
} from '../../support/sign-query-request.ts';
import { stateWithUser } from './fixtures.ts';

const ENDPOINT = 'http://127.0.0.1:4599';
const MINUTE = 60_000;

function arrived(request: SignedQueryRequest, body = request.body): ArrivedRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = value;
  }
  return {
    method: request.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    body: Buffer.from(body ?? ''),
  };
}

async function sign(
  credentials: QueryRequestInput['credentials'],
  overrides: Partial<QueryRequestInput> = {},
) {
  return signQueryRequest({
    endpoint: ENDPOINT,
    service: 'sts',
    credentials,
    params: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    ...overrides,
  });
}

function refusal(run: () => unknown): { code: string; status: number; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof IamError) {
      return { code: err.code, status: err.status, message: err.message };
    }
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('sandbox SigV4 authentication', () => {
  it('accepts POST and GET requests signed by the SDK signer, in any region', async () => {
    const { state, key, user } = stateWithUser();
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      for (const method of ['POST', 'GET'] as const) {
        const request = await sign(key, { region, method });
        const { caller, region: scoped } = authenticate(arrived(request), 'sts', state, Date.now());
        expect(caller).toMatchObject({ kind: 'user', user, accessKeyId: key.accessKeyId });
        expect(scoped).toBe(region);
      }
    }
  });

  it('refuses a tampered body and a wrong secret with SignatureDoesNotMatch 403', async () => {
    const { state, key } = stateWithUser();
    const request = await sign(key, {
      service: 'iam',
      params: { Action: 'GetUser', Version: '2010-05-08', UserName: 'alice' },
    });
    const tampered = arrived(request, request.body?.replace('alice', 'mallory'));
    const expected = {
      code: 'SignatureDoesNotMatch',
      status: 403,
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
    expect(refusal(() => authenticate(tampered, 'iam', state, Date.now()))).toEqual(expected);
    const wrong = await sign({ accessKeyId: key.accessKeyId, secretAccessKey: 'x'.repeat(40) });
    expect(refusal(() => authenticate(arrived(wrong), 'sts', state, Date.now()))).toEqual(expected);
  });

  it('refuses unknown, deleted and Inactive keys with InvalidClientTokenId 403', async () => {
    const { state, key } = stateWithUser();
    const unknown = await sign({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    expect(refusal(() => authenticate(arrived(unknown), 'sts', state, Date.now()))).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid',
    });
    key.status = 'Inactive';
    const inactive = await sign(key, {
      service: 'iam',
      params: { Action: 'ListUsers', Version: '2010-05-08' },
    });
    expect(refusal(() => authenticate(arrived(inactive), 'iam', state, Date.now()))).toEqual({
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    key.status = 'Active';
    state.removeAccessKey(key);
    const deleted = await sign(key);
    expect(refusal(() => authenticate(arrived(deleted), 'sts', state, Date.now())).code).toBe(
      'InvalidClientTokenId',
    );
  });

  it('refuses a new key until its propagation delay has passed', async () => {
    const now = Date.now();
    const { state, key } = stateWithUser({ propagationDelayMs: 5_000, now });
    const request = await sign(key);
    expect(refusal(() => authenticate(arrived(request), 'sts', state, now + 4_999)).code).toBe(
      'InvalidClientTokenId',
    );
    expect(authenticate(arrived(request), 'sts', state, now + 5_000).caller.kind).toBe('user');
  });

  it('refuses requests signed more than 15 minutes off, in AWS words', async () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    const { state, key } = stateWithUser({ now: now - 60 * MINUTE });
    const old = await sign(key, { signingDate: new Date(now - 16 * MINUTE) });
    expect(refusal(() => authenticate(arrived(old), 'sts', state, now))).toEqual({
      code: 'SignatureDoesNotMatch',
      status: 403,
      message:
        'Signature expired: 20261128T114400Z is now earlier than 20261128T114500Z (20261128T120000Z - 15 min.)',
    });
    const future = await sign(key, { signingDate: new Date(now + 16 * MINUTE) });
    expect(refusal(() => authenticate(arrived(future), 'sts', state, now)).message).toBe(
      'Signature not yet current: 20261128T121600Z is still later than 20261128T121500Z (20261128T120000Z + 15 min.)',
    );
    const recent = await sign(key, { signingDate: new Date(now - 14 * MINUTE) });
    expect(authenticate(arrived(recent), 'sts', state, now).caller.kind).toBe('user');
  });

  it('refuses a signature scoped to another service', async () => {
    const { state, key } = stateWithUser();
    const request = await sign(key, { service: 'sts' });
    expect(refusal(() => authenticate(arrived(request), 'iam', state, Date.now()))).toEqual({
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "Credential should be scoped to correct service: 'iam'. ",
    });
  });

  it('answers unsigned and malformed requests as AWS does', async () => {
    const { state } = stateWithUser();
    const bare: ArrivedRequest = {
      method: 'POST',
      path: '/',
      query: '',
      headers: {},
      body: Buffer.from(''),
    };
    expect(refusal(() => authenticate(bare, 'iam', state, Date.now()))).toEqual({
      code: 'MissingAuthenticationToken',
      status: 403,
      message: 'Request is missing Authentication Token',
    });
    const malformed = { ...bare, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/x' } };
    expect(refusal(() => authenticate(malformed, 'iam', state, Date.now()))).toMatchObject({
      code: 'IncompleteSignature',
      status: 400,
    });
  });

  it('accepts session credentials only with their token', async () => {
    const { state, key, user } = stateWithUser();
    const role = {
      roleName: 'r',
      roleId: 'AROAEXAMPLEEXAMPLE01',
      path: '/',
      arn: `arn:aws:iam::123456789012:role/r`,
      createdAt: 0,
      description: undefined,
      maxSessionDuration: 3600,
      trust: { text: '{}', statements: [] },
      policies: new Map(),
    };
    const session = {
      accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
      secretAccessKey: key.secretAccessKey,
      sessionToken: 'token-1',
      expiresAt: Date.now() + 60_000,
      role,
      sessionName: 's',
      arn: 'arn:aws:sts::123456789012:assumed-role/r/s',
      assumedRoleId: 'AROAEXAMPLEEXAMPLE01:s',
      lastUsed: undefined,
    };
    state.addSession(session);
    const credentials = {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
    };
    const withToken = await sign({ ...credentials, sessionToken: 'token-1' });
    expect(authenticate(arrived(withToken), 'sts', state, Date.now()).caller.arn).toBe(session.arn);
    const without = await sign(credentials);
    expect(refusal(() => authenticate(arrived(without), 'sts', state, Date.now())).code).toBe(
      'InvalidClientTokenId',
    );
    const expired = await sign({ ...credentials, sessionToken: 'token-1' });
    expect(
      refusal(() => authenticate(arrived(expired), 'sts', state, Date.now() + 61_000)),
    ).toEqual({
      code: 'ExpiredToken',
      status: 403,
      message: 'The security token included in the request is expired',
    });
    // A long-term key sent with a session token is refused too.
    const userWithToken = await sign({ ...key, sessionToken: 'token-1' });
    expect(user.accessKeys).toHaveLength(1);
    expect(refusal(() => authenticate(arrived(userWithToken), 'sts', state, Date.now())).code).toBe(
      'InvalidClientTokenId',
    );
  });
});

/**
 * Conformance: the Query protocol on the wire, seen without the SDK — envelopes, namespaces,
 * request ids in body and header, Content-Type, Date, empty lists, GET, unknown actions.
 */
import { describe, expect, it } from 'vitest';

import { unsupportedOn, useIamBackend } from '../../support/iam-backend.ts';
import { sendSigned, signQueryRequest } from '../../support/sign-query-request.ts';

const backend = useIamBackend();

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const uuidRequestIds = unsupportedOn({
  moto: 'moto makes request ids of 52 random characters; AWS sends UUIDs',
});
const invalidAction = unsupportedOn({
  moto: 'moto answers an unknown action with an HTML 500 page, not InvalidAction 400',
});

async function call(
  service: 'iam' | 'sts',
  params: Record<string, string>,
  method: 'POST' | 'GET' = 'POST',
) {
  const request = await signQueryRequest({
    endpoint: backend.current.endpoint ?? '',
    service,
    credentials: backend.current.credentials,
    params: { Version: service === 'iam' ? '2010-05-08' : '2011-06-15', ...params },
    method,
  });
  return sendSigned(request);
}

describe(`the wire format on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('wraps results in <Action>Response/<Action>Result with ResponseMetadata, as text/xml', async () => {
    const response = await call('iam', { Action: 'ListUsers', MaxItems: '1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(response.text).toMatch(new RegExp(`<ListUsersResponse xmlns="${IAM_NS}">`));
    expect(response.text).toMatch(/<ListUsersResult>[\s\S]*<\/ListUsersResult>/);
    expect(response.text).toMatch(
      /<ResponseMetadata>\s*<RequestId>[^<]+<\/RequestId>\s*<\/ResponseMetadata>/,
    );
    const sts = await call('sts', { Action: 'GetCallerIdentity' });
    expect(sts.text).toContain(`<GetCallerIdentityResponse xmlns="${STS_NS}">`);
  });

  it('answers errors with ErrorResponse/Error/{Type,Code,Message} and the status of the code', async () => {
    const response = await call('iam', { Action: 'GetUser', UserName: 'no-such-user-wire' });
    expect(response.status).toBe(404);
    expect(response.text).toMatch(/<ErrorResponse[^>]*>\s*<Error>\s*<Type>Sender<\/Type>/);
    expect(response.text).toContain('<Code>NoSuchEntity</Code>');
    expect(response.text).toContain(
      '<Message>The user with name no-such-user-wire cannot be found.</Message>',
    );
  });

  it("sends x-amzn-RequestId equal to the body's RequestId, an accurate Date, and empty lists as <X/>", async () => {
    const response = await call('iam', { Action: 'ListUsers', PathPrefix: '/no/such/path/' });
    const bodyId = /<RequestId>([^<]+)<\/RequestId>/.exec(response.text)?.[1];
    expect(bodyId).toEqual(expect.any(String));
    expect(response.headers.get('x-amzn-RequestId')).toBe(bodyId);
    const date = Date.parse(response.headers.get('date') ?? '');
    expect(Math.abs(date - Date.now())).toBeLessThan(5000);
    expect(response.text).toContain('<Users/>');
    expect(response.text).toContain('<IsTruncated>false</IsTruncated>');
    expect(response.text).not.toContain('<Marker>');
    const error = await call('iam', { Action: 'GetUser', UserName: 'no-such-user-wire' });
    const errorId = /<\/Error>\s*<RequestId>([^<]+)<\/RequestId>\s*<\/ErrorResponse>/.exec(
      error.text,
    )?.[1];
    expect(error.headers.get('x-amzn-RequestId')).toBe(errorId);
    const sts = await call('sts', { Action: 'GetCallerIdentity' });
    expect(sts.headers.get('x-amzn-RequestId')).toBe(/<RequestId>([^<]+)</.exec(sts.text)?.[1]);
  });

  it.skipIf(uuidRequestIds.skip)(`uses UUIDs as request ids${uuidRequestIds.label}`, async () => {
    const response = await call('sts', { Action: 'GetCallerIdentity' });
    expect(response.headers.get('x-amzn-RequestId')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('accepts GET with the parameters in the query string', async () => {
    const response = await call('iam', { Action: 'ListUsers', MaxItems: '1' }, 'GET');
    expect(response.status).toBe(200);
    expect(response.text).toContain('<ListUsersResult>');
  });

  it.skipIf(invalidAction.skip)(
    `answers an unknown action with InvalidAction 400${invalidAction.label}`,
    async () => {
      const response = await call('iam', { Action: 'FlyToTheMoon' });
      expect(response.status).toBe(400);
      expect(response.text).toContain('<Code>InvalidAction</Code>');
      expect(response.text).toContain(
        '<Message>Could not find operation FlyToTheMoon for version 2010-05-08</Message>',
      );
    },
  );
});

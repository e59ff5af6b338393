/** IAM's clock skew from the Date header of its answers (DESIGN.md invariant 4). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAwsIamGateway } from '../../../src/iam/aws-iam-gateway.ts';

const AHEAD_MS = 3_600_000;
const server = createServer((_request, response) => {
  response.setHeader('Date', new Date(Date.now() + AHEAD_MS).toUTCString());
  response.setHeader('Content-Type', 'text/xml');
  response.end(
    '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListUsersResponse>',
  );
});
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('clock skew', () => {
  it('is 0 before any answer, then IAM’s clock minus ours within the header’s second', async () => {
    const credentials = { accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'x'.repeat(40) };
    const iam = new IAMClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
    const sts = new STSClient({ region: 'us-east-1', endpoint, credentials });
    const gateway = createAwsIamGateway({ iam, sts });
    expect(await gateway.clockSkewMs?.()).toBe(0);
    await gateway.listUsersPage({});
    const skew = (await gateway.clockSkewMs?.()) ?? 0;
    expect(Math.abs(skew - AHEAD_MS)).toBeLessThanOrEqual(1_500);
    iam.destroy();
    sts.destroy();
  });
});

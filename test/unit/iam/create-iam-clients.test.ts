/** The SDK's retries against a loopback server that answers IAM errors (no emulator needed). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CreateAccessKeyCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createIamClients, type HttpCallInfo } from '../../../src/iam/create-iam-clients.ts';

let server: Server;
let endpoint: string;
let hits = 0;
let answer: { status: number; code: string; message: string } = {
  status: 200,
  code: '',
  message: '',
};

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits += 1;
      if (answer.status === 0) {
        return; // never answers
      }
      res.writeHead(answer.status, {
        'content-type': 'text/xml',
        'x-amzn-requestid': `req-${hits}`,
        date: new Date().toUTCString(),
      });
      res.end(
        `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error><RequestId>req-${hits}</RequestId></ErrorResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

beforeEach(() => {
  hits = 0;
});

function clients(seen: HttpCallInfo[] = [], retryThrottling?: boolean, requestTimeoutMs?: number) {
  return createIamClients({
    retryThrottling,
    requestTimeoutMs,
    maxAttempts: requestTimeoutMs === undefined ? undefined : 1,
    region: 'us-east-1',
    iamEndpoint: endpoint,
    stsEndpoint: endpoint,
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'not-a-secret-test-value' },
    hooks: {
      beforeRequest: async (info) => {
        seen.push(info);
      },
    },
  });
}

describe('createIamClients', () => {
  it('sends a quota error (LimitExceeded) once: the SDK would retry it as throttling', async () => {
    answer = {
      status: 409,
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    };
    const { iam } = clients();
    await expect(iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).rejects.toMatchObject(
      { name: 'LimitExceededException' },
    );
    expect(hits).toBe(1);
  });

  it('still retries throttling, and every HTTP attempt passes the hooks', async () => {
    answer = { status: 400, code: 'Throttling', message: 'Rate exceeded' };
    const seen: HttpCallInfo[] = [];
    const { iam } = clients(seen);
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    expect(hits).toBe(3);
    expect(seen).toEqual([
      { service: 'iam', action: 'ListUsers', timeoutMs: 15_000 },
      { service: 'iam', action: 'ListUsers', timeoutMs: 15_000 },
      { service: 'iam', action: 'ListUsers', timeoutMs: 15_000 },
    ]);
  }, 15_000);

  it('hands throttling straight back when told not to retry it (the job engine delays the job)', async () => {
    answer = { status: 400, code: 'Throttling', message: 'Rate exceeded' };
    const { iam } = clients([], false);
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    expect(hits).toBe(1);
  });

  it('abandons a request IAM does not answer within its timeout (the deadline the lease checks rely on)', async () => {
    answer = { status: 0, code: '', message: '' };
    const seen: HttpCallInfo[] = [];
    const { iam } = clients(seen, undefined, 300);
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(seen).toEqual([{ service: 'iam', action: 'ListUsers', timeoutMs: 300 }]);
  });
});

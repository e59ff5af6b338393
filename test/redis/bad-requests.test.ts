/**
 * Requests the API and the CLI must answer clearly: a `chain` provider with no credentials where
 * the process runs, an event id past 64 bits, what Node's HTTP parser refuses (a control
 * character in a header, a request target that is not a path), a negative --max-rps, and an
 * unexpected failure (a 500 logged at error level under its request id).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { HttpRoutePlugin } from '../../src/http/http-deps.ts';
import { domainRoutes } from '../../src/http/routes/domain-routes.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { freePort } from '../support/free-port.ts';
import { createLogSink } from '../support/log-sink.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const env = {
  ...t.env,
  IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
  IAM_PAM_API_TOKENS: `ops:${ADMIN}:admin`,
};
const cli = createCliRunner(env);
const sink = createLogSink();

const failingRoute: HttpRoutePlugin = async (app) => {
  app.get('/v1/test/unexpected', { config: { scope: 'read' } }, async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'slice')");
  });
};

let api: ApiRuntime;
let port: number;
beforeAll(async () => {
  port = await freePort();
  api = await startApiRuntime({
    config: loadConfig({ ...env, IAM_PAM_HTTP_PORT: String(port) }),
    log: sink.log,
    plugins: [domainRoutes, failingRoute],
  });
});
afterAll(async () => {
  await api?.close();
});

const admin = { authorization: `Bearer ${ADMIN}` };

/** Sends `request` as written, byte for byte, and returns the status and the body. */
function sendRaw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
  });
}

/** The SDK's credential chain finds nothing in this process: no variable, file or instance role. */
function withoutAwsCredentials(): () => void {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_') && !name.startsWith('AWS_SDK_')) {
      delete process.env[name];
    }
  }
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
  });
  return () => {
    process.env = saved;
  };
}

describe('a chain provider with no credentials where iam-pam runs', () => {
  it('is provider_credentials_unavailable: HTTP 502 and CLI exit 3, naming the provider and what to do', async () => {
    const restore = withoutAwsCredentials();
    try {
      const created = await api.app.inject({
        method: 'PUT',
        url: '/v1/providers/envless',
        headers: admin,
        // Nothing listens there: no request may leave even if credentials were found.
        payload: { credential: { type: 'chain' }, endpoints: { iam: 'http://127.0.0.1:9' } },
      });
      expect(created.statusCode).toBe(201);
      const message = expect.stringMatching(
        /^provider "envless" signs with the AWS SDK's credential chain, which found no credentials .*; give the iam-pam processes credentials/,
      );
      const account = await api.app.inject({
        method: 'PUT',
        url: '/v1/providers/envless/accounts/alice/access-key',
        headers: admin,
        payload: {},
      });
      expect(account.statusCode).toBe(502);
      expect(account.json()).toEqual({
        error: { code: 'provider_credentials_unavailable', message },
      });
      const added = await cli(['account', 'add', 'envless/alice/access-key']);
      expect(added.code).toBe(3);
      expect(added.stderr).toMatch(/provider "envless" signs with the AWS SDK's credential chain/);
      const shown = await api.app.inject({
        url: '/v1/providers/envless/accounts/alice/access-key',
        headers: admin,
      });
      expect(shown.statusCode).toBe(404);
    } finally {
      restore();
    }
  });
});

describe('GET /v1/events', () => {
  it('refuses an id past 64 bits with a 400 naming after, and has nothing after the largest id', async () => {
    for (const after of ['18446744073709551616', '1-18446744073709551616']) {
      const answer = await api.app.inject({ url: `/v1/events?after=${after}`, headers: admin });
      expect(answer.statusCode, after).toBe(400);
      expect(answer.json().error).toEqual({
        code: 'invalid_input',
        message: `after: "${after}" is past the largest event id (each part is at most 18446744073709551615)`,
      });
    }
    const last = await api.app.inject({
      url: '/v1/events?after=18446744073709551615-18446744073709551615',
      headers: admin,
    });
    expect(last.statusCode).toBe(200);
    expect(last.json()).toEqual([]);
  });
});

describe('what the HTTP parser refuses', () => {
  it('answers a control character in Idempotency-Key in our format, naming the header', async () => {
    const answer = await sendRaw(
      `POST /v1/providers/envless/validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nIdempotency-Key: order\x0142\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'invalid_input',
        message:
          'the header Idempotency-Key holds a character HTTP does not allow (a control character); send printable characters only',
      },
    });
  });

  it('answers a request target that is not a path in our format', async () => {
    const answer = await sendRaw(
      `GET v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'invalid_input',
        message: 'the request target is not a path: it must start with "/" (e.g. /v1/events)',
      },
    });
  });
});

describe('an unexpected failure', () => {
  it('is a 500 that names its request id, logged at error level under that id', async () => {
    const answer = await api.app.inject({ url: '/v1/test/unexpected', headers: admin });
    expect(answer.statusCode).toBe(500);
    const { message } = answer.json<{ error: { message: string } }>().error;
    const requestId = /under request id (\S+)$/.exec(message)?.[1];
    expect(requestId).toBeDefined();
    expect(sink.lines()).toContainEqual(
      expect.objectContaining({
        level: 50,
        reqId: requestId,
        status: 500,
        msg: 'request failed',
        err: expect.objectContaining({ message: expect.stringContaining("reading 'slice'") }),
      }),
    );
  });
});

describe('iam-pam provider add --max-rps', () => {
  it('says a value that is not one must be a positive number, and adds nothing; takes one that is', async () => {
    for (const value of ['-5', '0', '2.5', 'ten']) {
      const added = await cli(['provider', 'add', 'paced', '--chain', '--max-rps', value]);
      expect(added.code, value).toBe(2);
      expect(added.stderr, value).toMatch(
        /maxRps: must be a positive number: whole IAM requests per second, 1 to 10000/,
      );
    }
    expect((await cli(['provider', 'show', 'paced'])).code).toBe(2);
    const paced = await cli(['provider', 'add', 'paced', '--chain', '--max-rps', '25', '--json']);
    expect(paced.code, paced.stderr).toBe(0);
    expect(paced.json()).toMatchObject({ id: 'paced', maxRps: 25 });
  });
});

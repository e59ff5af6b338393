/**
 * Every error answer is `{"error":{"code","message"}}` (CONTRACT.md): 400 names the field,
 * 401/403 say what is missing, 404/409 what was not found or conflicts, 503 that Redis is
 * unreachable. Unknown errors are a 500 whose message says nothing internal but the request
 * id they are logged under; every 5xx is logged at error level. What Node's HTTP parser refuses
 * is answered in the same format.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import type {
  ConnectionError,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';

import type { AppConfig } from '../config/load-config.ts';
import { httpStatusOf, isAppError } from '../errors.ts';
import { toRedisUnavailable } from '../queue/redis-errors.ts';

export function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ error: { code, message } });
}

function describeValidation(err: FastifyError): string {
  const first = err.validation?.[0];
  if (first === undefined) {
    return err.message;
  }
  const where = err.validationContext ?? 'request';
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const field = [path, missing].filter(Boolean).join('.');
  return `${where}${field ? `.${field}` : ''}: ${first.message ?? 'is invalid'}`;
}

/**
 * Fastify's router answers a URL it cannot route (a path parameter over 100 characters, bad
 * percent-encoding) with its own body, echoing the whole URL. Answer in our format instead.
 */
export function answerFrameworkError(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendError(reply, 414, 'invalid_input', 'a path parameter is longer than 100 characters');
  } else if (err.code === 'FST_ERR_BAD_URL') {
    void sendError(
      reply,
      400,
      'invalid_input',
      'the URL is not valid (check its percent-encoding)',
    );
  } else {
    void sendError(reply, 400, 'invalid_input', 'the request cannot be routed');
  }
}

/** What Node's HTTP parser refuses before a request exists (llhttp's codes), and why. */
const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  HPE_INVALID_URL: {
    status: 400,
    message: 'the request target is not a path: it must start with "/" (e.g. /v1/events)',
  },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'the request headers are larger than 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time' },
};
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The header whose value holds a control character, named if its name is a plain token. */
function headerWithControlCharacter(raw: unknown): string | undefined {
  // Node hands over the bytes read so far (fastify's type says otherwise).
  const lines = (Buffer.isBuffer(raw) ? raw.toString('latin1') : '').split('\r\n').slice(1);
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon > 0 && HEADER_NAME.test(name) && CONTROL_CHARACTER.test(line.slice(colon + 1))) {
      return name;
    }
  }
  return undefined;
}

function describeClientError(err: ConnectionError) {
  const known = CLIENT_ERRORS[err.code];
  if (known !== undefined) {
    return known;
  }
  if (err.code === 'HPE_INVALID_HEADER_TOKEN') {
    const header = headerWithControlCharacter(err.rawPacket);
    return {
      status: 400,
      message: `${header === undefined ? 'a header' : `the header ${header}`} holds a character HTTP does not allow (a control character); send printable characters only`,
    };
  }
  return { status: 400, message: 'the request is not valid HTTP/1.1' };
}

/**
 * Requests Node's HTTP parser refuses (a control character in a header, a request target that
 * is not a path) never reach fastify's handlers: answer them in our format too.
 */
export function answerClientError(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const { status, message } = describeClientError(err);
  const body = JSON.stringify({ error: { code: 'invalid_input', message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** `redis`: where the API's Redis is, for the message of a Redis outage (never its password). */
export function installErrorHandling(app: FastifyInstance, redis: AppConfig['redis']): void {
  // Every 5xx is logged at error level, with the request id (fastify's `reqId` binding): by
  // the error handler with the error, or else when the answer is sent.
  const logged = new WeakSet<FastifyRequest>();
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation !== undefined) {
      return sendError(reply, 400, 'invalid_input', describeValidation(err));
    }
    // A Redis outage mid-request is a 503 the caller may retry, not an internal error.
    const known = toRedisUnavailable(err, redis);
    if (isAppError(known)) {
      const status = httpStatusOf(known);
      if (status >= 500) {
        logged.add(request);
        request.log.error({ err: known, status }, 'request failed');
      }
      return sendError(reply, status, known.code, known.message);
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      return sendError(reply, status, status === 404 ? 'not_found' : 'invalid_input', err.message);
    }
    logged.add(request);
    request.log.error({ err, status: 500 }, 'request failed');
    return sendError(
      reply,
      500,
      'internal',
      `internal error; the API log has the details under request id ${request.id}`,
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500 && !logged.has(request)) {
      request.log.error(
        { method: request.method, route: request.routeOptions.url, status: reply.statusCode },
        'request answered with a server error',
      );
    }
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      'not_found',
      `no route ${request.method} ${request.originalUrl.split('?')[0]}`,
    ),
  );
}

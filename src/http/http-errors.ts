/**
 * Every error answer is `{"error":{"code","message"}}` (CONTRACT.md): 400 names the field,
 * 401/403 say what is missing, 404/409 what was not found or conflicts, 503 that Redis is
 * unreachable. Unknown errors are a 500 whose message says nothing internal but the request
 * id they are logged under; every 5xx is logged at error level. (What Node's HTTP parser
 * refuses before fastify sees it: client-errors.ts.)
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a control character in a
 * header, a request target that is not a path), answered in our `{"error":{"code","message"}}`
 * format instead of fastify's own.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import type { ConnectionError } from 'fastify';

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

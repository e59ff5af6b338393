/**
 * The sandbox's admin API under `/_sandbox` (CONTRACT.md): faults, the request log, releasing
 * held responses, a user's whole state, reset. JSON in and out; loopback callers only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { z } from 'zod';

import type { FaultsInput } from '../faults/fault-config.ts';
import type { SandboxCore } from '../sandbox-core.ts';
import { userSnapshot } from './user-snapshot.ts';

export const ADMIN_PREFIX = '/_sandbox';

export interface AdminDeps {
  core: SandboxCore;
  /** Restores the start-up state (users, faults, log). */
  reset(): void;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const fail = (res: ServerResponse, status: number, code: string, message: string) =>
  sendJson(res, status, { error: { code, message } });

export function isLoopback(address: string | undefined): boolean {
  return (
    address === '127.0.0.1' ||
    address === '::1' ||
    address === '::ffff:127.0.0.1' ||
    (address?.startsWith('127.') ?? false)
  );
}

function parseJson(body: Buffer): unknown {
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}

export function handleAdminRequest(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): void {
  const { core } = deps;
  // The admin API can read passwords and rewrite behaviour: never expose it off the machine,
  // even when the sandbox itself listens on every interface.
  if (!isLoopback(req.socket.remoteAddress)) {
    fail(res, 403, 'forbidden', 'the sandbox admin API answers loopback callers only');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const route = url.pathname.slice(ADMIN_PREFIX.length) || '/';
  const method = req.method ?? 'GET';

  if (route === '/faults' && method === 'GET') {
    sendJson(res, 200, core.faults.current());
  } else if (route === '/faults' && method === 'PUT') {
    let input: unknown;
    try {
      input = parseJson(body);
    } catch {
      fail(res, 400, 'invalid_input', 'the body must be JSON');
      return;
    }
    try {
      sendJson(res, 200, core.faults.set(input as FaultsInput));
    } catch (err) {
      const message = err instanceof z.ZodError ? z.prettifyError(err) : String(err);
      fail(res, 400, 'invalid_input', message.replace(/\n/g, '; '));
    }
  } else if (route === '/requests' && method === 'GET') {
    const since = Number(url.searchParams.get('since') ?? '0');
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (
      !Number.isInteger(since) ||
      (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    ) {
      fail(
        res,
        400,
        'invalid_input',
        'since must be an integer (a seq) and limit a positive integer',
      );
      return;
    }
    sendJson(res, 200, core.log.since(since, limit));
  } else if (route.startsWith('/release/') && method === 'POST') {
    const seq = Number(route.slice('/release/'.length));
    if (!core.held.release(seq)) {
      fail(
        res,
        404,
        'not_found',
        `no response is held under seq ${route.slice('/release/'.length)}`,
      );
      return;
    }
    sendJson(res, 200, { released: seq });
  } else if (route.startsWith('/users/') && method === 'GET') {
    const userName = decodeURIComponent(route.slice('/users/'.length));
    const user = core.state.findUser(userName);
    if (user === undefined) {
      fail(res, 404, 'not_found', `no user named ${userName}`);
      return;
    }
    sendJson(res, 200, userSnapshot(user));
  } else if (route === '/reset' && method === 'POST') {
    deps.reset();
    sendJson(res, 200, { reset: true });
  } else {
    fail(res, 404, 'not_found', `no admin route ${method} ${url.pathname}`);
  }
}

/**
 * The sandbox's HTTP server: `/_sandbox/*` goes to the admin API, everything else is the
 * IAM/STS Query protocol. Keep-alive is on, as AWS endpoints and the SDK expect.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { ADMIN_PREFIX, type AdminDeps, handleAdminRequest } from '../admin/admin-routes.ts';
import { IamError } from '../protocol/iam-error.ts';
import { errorXml } from '../protocol/envelope.ts';
import type { SandboxCore } from '../sandbox-core.ts';
import { handleAwsRequest } from './handle-aws-request.ts';

/** IAM's largest documents are 131,072 characters; leave room for the rest of the form. */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function route(
  core: SandboxCore,
  admin: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    const error = new IamError('RequestEntityTooLarge', 413, 'Request body too large.');
    res.writeHead(413, { 'Content-Type': 'text/xml' });
    res.end(errorXml('iam', error, 'none'));
    return;
  }
  const url = req.url ?? '/';
  if (
    url === ADMIN_PREFIX ||
    url.startsWith(`${ADMIN_PREFIX}/`) ||
    url.startsWith(`${ADMIN_PREFIX}?`)
  ) {
    handleAdminRequest(admin, req, res, body);
    return;
  }
  await handleAwsRequest(core, req, res, body);
}

export function createHttpServer(core: SandboxCore, admin: AdminDeps): Server {
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    // A client that hung up (a SIGKILLed worker, a dropped response) is not our error.
    res.on('error', () => undefined);
    route(core, admin, req, res).catch((err: unknown) => {
      core.logger?.error({ err }, 'sandbox: request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
      }
      res.end();
    });
  });
  server.headersTimeout = 60_000;
  return server;
}

/**
 * Each worker process's own `/metrics` (Prometheus text) and `/healthz`, on
 * IAM_PAM_WORKER_HTTP_PORT: 0 = off, `auto` = a free port (logged). Plain node:http: two
 * routes do not need a framework in every worker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from '../logger.ts';
import type { Registry } from 'prom-client';

export interface WorkerHttp {
  /** The port it listens on, or undefined when off. */
  port: number | undefined;
  close(): Promise<void>;
}

export async function startWorkerHttp(options: {
  port: number | 'auto';
  host: string;
  registry: Registry;
  healthy: () => boolean;
  log: Logger;
}): Promise<WorkerHttp> {
  if (options.port === 0) {
    return { port: undefined, close: async () => undefined };
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          options.log.warn({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      const ok = options.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'not_found', message: 'GET /metrics or /healthz' } }),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port === 'auto' ? 0 : options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.log.info({ port, host: options.host }, 'worker metrics and health endpoint listening');
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

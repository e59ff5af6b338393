/**
 * Which process made each call in the sandbox's request log: iam-pam's user agent names it
 * (`iam-pam-process/<host>-<pid>-<instance>`, src/process-identity.ts). With it a test follows
 * one real process (a worker, `iam-pam api`, a CLI run) across a key change, and `startApi`
 * gives it a real `iam-pam api` process to follow.
 */
import { randomBytes } from 'node:crypto';

import type { RequestLogEntry } from '../../src/sandbox/admin/request-log.ts';
import { freePort } from './free-port.ts';
import { type CliProcess, spawnCli } from './spawn-cli.ts';

const PROCESS_IN_AGENT = /(?:^| )iam-pam-process\/\S*-(\d+)-[0-9a-f]{8}(?: |$)/;

/** The pid of the iam-pam process that sent `entry`; undefined for another client. */
export function pidOf(entry: Pick<RequestLogEntry, 'userAgent'>): number | undefined {
  const found = PROCESS_IN_AGENT.exec(entry.userAgent ?? '');
  return found === null ? undefined : Number(found[1]);
}

/** The calls `pid` made, signed with one of `keys`, oldest first. */
export function callsOf(
  log: readonly RequestLogEntry[],
  pid: number | undefined,
  keys: readonly string[],
): RequestLogEntry[] {
  return log.filter((r) => pidOf(r) === pid && keys.includes(r.accessKeyId ?? ''));
}

export interface ApiProcess extends CliProcess {
  /** A request to the api with an admin token. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/** A real `iam-pam api` process with `env` (Redis, master key), once it listens. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const token = `admin-${randomBytes(12).toString('hex')}`;
  const api = spawnCli(['api'], {
    IAM_PAM_HTTP_PORT: String(port),
    IAM_PAM_API_TOKENS: `test:${token}:admin`,
    LOG_LEVEL: 'info',
    ...env,
  });
  try {
    await api.waitForLog('api listening', 60_000);
  } catch (err) {
    api.child.kill('SIGKILL');
    throw err;
  }
  return {
    ...api,
    async call(method, path, body) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}

/**
 * A real worker process (the `worker` command with the test job types, through tsx), its JSON
 * log lines as they come, and ways to wait for a line and for its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { waitFor } from './wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface WorkerProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** The port of its /metrics and /healthz (IAM_PAM_WORKER_HTTP_PORT=auto). */
  port: number | undefined;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine>;
  stderr(): string;
}

export async function startWorkerProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/test-worker.ts', ...args],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        IAM_PAM_JOB_LOCK_MS: '2000',
        IAM_PAM_WORKER_HTTP_PORT: 'auto',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: LogLine[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: `(not JSON) ${line}` });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitForLog = (msg: string | RegExp, timeoutMs = 20_000) =>
    waitFor(
      `log line "${String(msg)}" (stderr: ${stderr.slice(-500)})`,
      () => lines.find((line) => (typeof msg === 'string' ? line.msg === msg : msg.test(line.msg))),
      { timeoutMs },
    );
  const worker: WorkerProcess = {
    child,
    lines,
    port: undefined,
    exited,
    waitForLog,
    stderr: () => stderr,
  };
  const ready = await Promise.race([
    waitForLog('worker ready'),
    exited.then(({ code }) => {
      throw new Error(`worker exited with ${code} before it was ready: ${stderr}`);
    }),
  ]);
  void ready;
  const listening = lines.find(
    (line) => line.msg === 'worker metrics and health endpoint listening',
  );
  worker.port = typeof listening?.port === 'number' ? listening.port : undefined;
  return worker;
}

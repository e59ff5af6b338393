/**
 * A long-running iam-pam process (`api`, `worker`) through tsx: its JSON log lines as they
 * come, a way to wait for one, and its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { waitFor } from './wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface CliProcess {
  child: ChildProcess;
  lines: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine>;
  stdout(): string;
  stderr(): string;
}

/** Starts `entry` (default the real CLI) with `args`; `env` is all it gets besides PATH and HOME. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  entry = 'src/main.ts',
): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stdout = '';
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
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
  return {
    child,
    lines,
    exited,
    waitForLog: (msg, timeoutMs = 20_000) =>
      waitFor(
        `log line "${String(msg)}" (stderr: ${stderr.slice(-500)})`,
        () => {
          if (child.exitCode !== null) {
            throw new Error(`exited with ${child.exitCode}: ${stderr.slice(-500)}`);
          }
          return lines.find((line) =>
            typeof msg === 'string' ? line.msg === msg : msg.test(line.msg),
          );
        },
        { timeoutMs },
      ),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

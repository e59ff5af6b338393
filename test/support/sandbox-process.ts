/**
 * `iam-pam sandbox` as a real child process (through tsx, as `npm run -s iam-pam -- sandbox` runs it):
 * waits for its first stdout line, and stops it with a signal.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { CLI_ENTRY } from './cli-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SandboxProcess {
  child: ChildProcessWithoutNullStreams;
  /** The first line printed on stdout, without its newline. */
  firstLine: string;
  /** ms from spawn to the first stdout line. */
  startMs: number;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `entry`: how node starts the CLI; default through tsx, or e.g. `['bin/iam-pam.js']` once built. */
export function startSandboxProcess(
  args: string[],
  timeoutMs = 20_000,
  entry: readonly string[] = CLI_ENTRY,
): Promise<SandboxProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, 'sandbox', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`iam-pam sandbox printed nothing in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const first = stdout === '';
      stdout += chunk.toString();
      if (first || stdout.includes('\n')) {
        const newline = stdout.indexOf('\n');
        if (newline === -1) {
          return;
        }
        clearTimeout(timer);
        resolve({
          child,
          firstLine: stdout.slice(0, newline),
          startMs: performance.now() - started,
          stdout: () => stdout,
          stderr: () => stderr,
          async stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`iam-pam sandbox exited with ${code} before printing; stderr: ${stderr}`));
    });
  });
}

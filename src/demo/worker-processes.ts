/**
 * The demo's workers: real `iam-pam worker` processes, so one can be killed (SIGKILL) mid-job
 * and another seen to take its job over. Their JSON logs are kept (the last lines, for a
 * failure's message), not printed. Each is started with an IPC channel: if the demo itself dies
 * without stopping them, the channel closes and they stop on their own (src/main.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import type { SelfCommand } from '../cli/cli-context.ts';
import { sleep } from '../sleep.ts';

const KEPT_LINES = 40;

export interface DemoWorker {
  /** `worker 1`, `worker 2`, … */
  name: string;
  pid: number;
  /** Resolves once it logs `worker ready`; rejects when it exits first or `readyTimeoutMs` passes. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  kill(): Promise<void>;
  /** SIGTERM (it drains its jobs), then SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** Its last log lines (stdout and stderr), for a failure's message. */
  lastLines(): string[];
}

export function startDemoWorker(
  self: SelfCommand,
  env: Record<string, string>,
  name: string,
  readyTimeoutMs: number,
): DemoWorker {
  const child: ChildProcess = spawn(self.command, [...self.args, 'worker'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
  };
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  child.once('error', (err) => keep(`could not start: ${err.message}`));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} was not ready within ${readyTimeoutMs / 1000} s`));
    }, readyTimeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (line.includes('"msg":"worker ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    createInterface({ input: child.stderr! }).on('line', keep);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`${name} exited (${code ?? signal}) before it was ready: ${lines.at(-1) ?? ''}`),
      );
    });
  });
  // Awaited by the steps; a worker that never gets ready must not be an unhandled rejection.
  ready.catch(() => undefined);
  const killNow = async () => {
    if (running) {
      child.kill('SIGKILL');
    }
    await exited;
  };
  return {
    name,
    pid: child.pid ?? 0,
    ready,
    exited,
    isRunning: () => running,
    kill: killNow,
    async stop(timeoutMs) {
      if (!running) {
        return;
      }
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(timeoutMs)]);
      await killNow();
    },
    lastLines: () => [...lines],
  };
}

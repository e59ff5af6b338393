/**
 * A command started in a process group of its own (as a terminal or a supervisor starts one),
 * so a test can tell whether anything it started is still running after the command's own
 * process has gone: npm's wrappers start `sh`, `node` and esbuild below themselves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { waitFor } from './wait-for.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GroupMember {
  pid: number;
  state: string;
  command: string;
}

/** The live (not zombie) processes of a process group, read from /proc. */
export function liveMembers(pgid: number): GroupMember[] {
  const members: GroupMember[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') {
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        members.push({ pid: Number(entry), state: state ?? '?', command: command.trim() });
      }
    } catch {
      // The process ended while being read.
    }
  }
  return members;
}

export interface GroupProcess {
  child: ChildProcess;
  pgid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once `test` holds for what the command printed; rejects when it exits first or
   * `timeoutMs` (default 40 s) passes, so the caller can still clean up.
   */
  until(
    what: string,
    test: (output: { stdout: string; stderr: string }) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /**
   * Resolves once no process of the group is alive, then once all it printed has been read;
   * fails after `timeoutMs` listing what is left.
   */
  allEnded(what: string, timeoutMs: number): Promise<void>;
  /** SIGKILL to whatever of the group is left (cleanup after a failed test). */
  killGroup(): void;
}

/** Starts `command args` from the repository's root in a new process group. */
export function startInGroup(
  command: string,
  args: string[],
  env: Record<string, string>,
): GroupProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid ?? -1;
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    listeners.forEach((listener) => listener());
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    listeners.forEach((listener) => listener());
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Every process holding its stdout and stderr (the wrapper's children inherit them) has ended.
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    pgid,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    until(what, test, timeoutMs = 40_000) {
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          listeners.delete(check);
          clearTimeout(timer);
          reject(
            new Error(
              `${command} ${args.join(' ')} ${why} before ${what}; stderr: ${stderr.slice(-1000)}`,
            ),
          );
        };
        const check = () => {
          if (test({ stdout, stderr })) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => fail(`waited ${timeoutMs} ms`), timeoutMs);
        listeners.add(check);
        check();
        void exited.then(({ code, signal }) => fail(`exited (${code ?? signal})`));
      });
    },
    async allEnded(what, timeoutMs) {
      await waitFor(what, () => (liveMembers(pgid).length === 0 ? true : undefined), {
        timeoutMs,
        intervalMs: 100,
      }).catch((err: Error) => {
        throw new Error(`${err.message}; left: ${JSON.stringify(liveMembers(pgid))}`);
      });
      // Nobody holds its output any more.
      await outputClosed;
    },
    killGroup() {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
    },
  };
}

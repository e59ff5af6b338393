/** Runs the CLI in this process (same code path as the binary, without tsx's start-up cost). */
import { PassThrough, Readable } from 'node:stream';

import { runCli } from '../../src/cli/program.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` commands). */
  json<T = unknown>(): T;
}

/** Runs the CLI with its output captured (`commands`: the program's, unless a test adds its own). */
export async function runCliCaptured(
  args: string[],
  options: { env: Record<string, string | undefined>; stdin?: string },
  commands?: Parameters<typeof runCli>[2],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]);
  const code = await runCli(args, { env: options.env, stdout, stderr, stdin }, commands);
  return { code, stdout: out, stderr: err };
}

export function createCliRunner(baseEnv: Record<string, string>) {
  return async (
    args: string[],
    options: { env?: Record<string, string | undefined>; stdin?: string } = {},
  ): Promise<CliResult> => {
    const env = { ...baseEnv, LOG_LEVEL: 'silent', ...options.env };
    const result = await runCliCaptured(args, { env, stdin: options.stdin });
    return {
      ...result,
      json<T>() {
        return JSON.parse(result.stdout) as T;
      },
    };
  };
}

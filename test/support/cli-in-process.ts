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

export function createCliRunner(baseEnv: Record<string, string>) {
  return async (
    args: string[],
    options: { env?: Record<string, string | undefined>; stdin?: string } = {},
  ): Promise<CliResult> => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const env = { ...baseEnv, LOG_LEVEL: 'silent', ...options.env };
    const code = await runCli(args, {
      env,
      stdout,
      stderr,
      stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    });
    return {
      code,
      stdout: out,
      stderr: err,
      json<T>() {
        return JSON.parse(out) as T;
      },
    };
  };
}

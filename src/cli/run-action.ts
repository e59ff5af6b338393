/**
 * The one place a command's outcome becomes an exit code and a one-line message on stderr:
 * 0 done and good, 1 failed or refused, 2 bad input or usage, 3 a dependency unreachable.
 * People get the message and what to do next, never a stack trace.
 */
import { exitCodeOf, isAppError } from '../errors.ts';
import { isRedisConnectionError, toRedisUnavailable } from '../queue/redis-errors.ts';
import type { CliContext } from './cli-context.ts';

/** Thrown by commands whose result is known but bad (a failed job, a verdict not in_sync). */
export class BadOutcome extends Error {
  readonly exitCode = 1 as const;
}

export type ExitCode = 0 | 1 | 2 | 3;

export function describeError(err: unknown): string {
  if (isAppError(err) || err instanceof BadOutcome) {
    return err.message;
  }
  return err instanceof Error
    ? `unexpected error: ${err.message}`
    : `unexpected error: ${String(err)}`;
}

/** Runs a command body and returns its exit code; the caller exits with it. */
export async function runAction(
  context: CliContext,
  body: () => Promise<ExitCode | void>,
): Promise<ExitCode> {
  try {
    return (await body()) ?? 0;
  } catch (thrown) {
    // Redis going away mid-command is exit 3 with what to do, not an "unexpected error". The
    // configuration is read only then: it loaded, as Redis was reached (a bad one would throw).
    const err = isRedisConnectionError(thrown)
      ? toRedisUnavailable(thrown, context.config().redis)
      : thrown;
    context.stderr.write(`iam-pam: ${describeError(err)}\n`);
    if (!isAppError(err) && !(err instanceof BadOutcome) && context.env.LOG_LEVEL === 'debug') {
      context.stderr.write(`${(err as Error).stack ?? ''}\n`);
    }
    return err instanceof BadOutcome ? 1 : exitCodeOf(err);
  }
}

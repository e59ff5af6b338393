/**
 * How a job's failure is written and read back. BullMQ keeps one text per failed job
 * (`failedReason`); ours always starts with a snake_case reason a person can act on
 * (`invalid_payload: provider: …`), so the status, the CLI and the dead-letter can show it.
 */

const REASON_PREFIX = /^([a-z][a-z0-9_]*): /;

/** BullMQ's own failure texts, for jobs it fails itself. */
const BULLMQ_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/stalled more than allowable limit/, 'stalled_too_often'],
  [/started more than allowable limit/, 'too_many_starts'],
];

export function formatFailure(reason: string, message: string): string {
  return message.startsWith(`${reason}: `) ? message : `${reason}: ${message}`;
}

export function reasonOf(failedReason: string | undefined): string | undefined {
  if (failedReason === undefined || failedReason === '') {
    return undefined;
  }
  const prefixed = REASON_PREFIX.exec(failedReason)?.[1];
  if (prefixed !== undefined) {
    return prefixed;
  }
  return BULLMQ_REASONS.find(([pattern]) => pattern.test(failedReason))?.[1] ?? 'internal';
}

/**
 * How a job's failure is written and read back. BullMQ keeps one text per failed job
 * (`failedReason`); ours always starts with a snake_case reason a person can act on
 * (`invalid_payload: provider: …`), so the status, the CLI and the dead-letter can show it.
 * Wherever such a text is shown it is scrubbed first (`scrubFailureText`).
 */
import { isErrorCode } from '../errors.ts';
import { isIamWireCode } from '../iam/classify-iam-error.ts';
import { isSecretKey, REDACTED } from '../logger.ts';

const REASON_PREFIX = /^([a-z][a-z0-9_]*): /;

/** BullMQ's own failure texts, for jobs it fails itself. */
const BULLMQ_REASONS: ReadonlyArray<[RegExp, string]> = [
  // Its workers kept dying (or freezing) mid-run: a rotation's journal stays open for a replay.
  [/stalled more than allowable limit/, 'worker_lost'],
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

/** `key: value`, `key=value`, `"key":"value"`, `'key': 'value'` (value quoted or up to a delimiter). */
const FIELD =
  /(["']?)([A-Za-z_][\w-]*)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"',;&)}\]]+)/g;
/**
 * Where an unquoted secret ends: at a line break, a list separator or a closing bracket, not
 * at a space (`Authorization: Bearer abc`, a password with spaces).
 */
const UNQUOTED_SECRET_END = /[\n\r,;&)}\]]/;

/** A secret-named key in prose: not our reason prefix, and not IAM's `ExpiredToken: …`. */
function isSecretField(key: string): boolean {
  return isSecretKey(key) && !isIamWireCode(key);
}

/**
 * Censors the value after each secret-named field in a failure text (or a stack trace line).
 * Job data holds references only by contract, but an error text quoting a response, or a job
 * another producer failed, may still carry a secret, and these texts are shown to readers. It
 * errs on the side of censoring: an unquoted secret value is censored to the end of its line
 * or list item. The leading `<reason>: ` is kept: a reason such as `password_policy_violation`
 * names a secret's kind, not a field.
 *
 * BullMQ types a job's `failedReason` (and its stack trace lines) as strings, but a job that
 * never failed has none (`undefined`, or `null` once retried): those are passed through.
 */
export function scrubFailureText<Text extends string | null | undefined>(text: Text): Text;
export function scrubFailureText(text: string | null | undefined): string | null | undefined {
  if (typeof text !== 'string') {
    return text;
  }
  const reason = REASON_PREFIX.exec(text);
  // A leading `password: …` is a field, not one of our reasons.
  const prefix =
    reason !== null && (isErrorCode(reason[1] ?? '') || !isSecretKey(reason[1] ?? ''))
      ? reason[0]
      : '';
  const body = text.slice(prefix.length);
  const fields = new RegExp(FIELD.source, 'g');
  let scrubbed = '';
  let copiedUpTo = 0;
  for (let match = fields.exec(body); match !== null; match = fields.exec(body)) {
    const [whole, , key = '', , value = ''] = match;
    if (!isSecretField(key)) {
      continue;
    }
    const valueStart = match.index + whole.length - value.length;
    if (body.startsWith(REDACTED, valueStart)) {
      // Censored already (failure texts are scrubbed when stored and again when shown).
      fields.lastIndex = valueStart + REDACTED.length;
      continue;
    }
    const quote = value.startsWith('"') || value.startsWith("'") ? value.charAt(0) : '';
    let valueEnd = match.index + whole.length;
    if (quote === '') {
      const end = body.slice(valueStart).search(UNQUOTED_SECRET_END);
      valueEnd = end === -1 ? body.length : valueStart + end;
    }
    scrubbed += `${body.slice(copiedUpTo, valueStart)}${quote}${REDACTED}${quote}`;
    copiedUpTo = valueEnd;
    fields.lastIndex = valueEnd;
  }
  return prefix + scrubbed + body.slice(copiedUpTo);
}

/**
 * What the dead-letter copies is scrubbed first. Job data holds references only by contract,
 * but a caller enqueueing with BullMQ directly, a handler's state or an error text quoting a
 * response may still carry a secret, and an entry is shown to every reader of the API.
 * Structured values go through the logger's scrubber; the failure text is prose, so the value
 * after each secret-named field in it (`secretAccessKey=…`, `"Password":"…"`) is censored,
 * by the same notion of a secret-named field.
 */
import { isSecretKey, REDACTED, scrubSecrets } from '../logger.ts';

/** `key: value`, `key=value`, `"key":"value"`, `'key': 'value'` (value quoted or up to a delimiter). */
const FIELD =
  /(["']?)([A-Za-z_][\w-]*)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"',;&)}\]]+)/g;

export function scrubValue<T>(value: T): T {
  return scrubSecrets(value) as T;
}

/**
 * Censors secret-named fields in a failure text. Its leading `<reason>: ` is kept as is: a
 * reason such as `password_policy_violation` names a secret's kind, not a field.
 */
export function scrubFailureText(text: string, reason: string): string {
  const prefix = text.startsWith(`${reason}: `) ? `${reason}: ` : '';
  const censor = (field: string, quote: string, key: string, separator: string, value: string) => {
    if (!isSecretKey(key)) {
      return field;
    }
    const valueQuote = value.startsWith('"') || value.startsWith("'") ? value.charAt(0) : '';
    return `${quote}${key}${quote}${separator}${valueQuote}${REDACTED}${valueQuote}`;
  };
  const rest = text.slice(prefix.length).replace(FIELD, censor);
  return prefix + rest;
}

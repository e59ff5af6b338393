/** The request parameters the request log may keep: never a password, secret or token. */
import { isSecretKey } from '../../logger.ts';
import type { QueryParams } from '../protocol/query-params.ts';

const NOT_LOGGED = new Set(['Action', 'Version']);

export function loggableParams(params: QueryParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params.entries) {
    // `Tags.member.1.Value` is judged by its last segment, `NewPassword` by the whole name.
    const last = key.slice(key.lastIndexOf('.') + 1);
    if (!NOT_LOGGED.has(key) && !isSecretKey(key) && !isSecretKey(last)) {
      out[key] = value;
    }
  }
  return out;
}

/**
 * The signing time of a request (`x-amz-date`, else `Date`) and AWS's 15-minute window: a
 * request outside it gets SignatureDoesNotMatch with AWS's "Signature expired" wording, which
 * is also what makes the SDK correct its clock and retry.
 */
import type { IncomingHttpHeaders } from 'node:http';

import { IamError } from '../protocol/iam-error.ts';

export const MAX_SKEW_MS = 15 * 60 * 1000;

/** `20261128T170926Z` */
export function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function fromAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
}

/** The request's signing time as `{ amzDate, ms }`; throws for a missing or unreadable date. */
export function requestTime(headers: IncomingHttpHeaders): { amzDate: string; ms: number } {
  const amz = headers['x-amz-date'];
  if (typeof amz === 'string') {
    const ms = fromAmzDate(amz);
    if (ms === undefined) {
      throw new IamError(
        'IncompleteSignature',
        400,
        `Date must be in ISO-8601 'basic format'. Got '${amz}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    return { amzDate: amz, ms };
  }
  const date = headers.date;
  const ms = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(ms)) {
    throw new IamError(
      'IncompleteSignature',
      400,
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  return { amzDate: toAmzDate(ms), ms };
}

export function checkSkew(amzDate: string, signedMs: number, nowMs: number): void {
  const now = toAmzDate(nowMs);
  if (signedMs < nowMs - MAX_SKEW_MS) {
    throw new IamError(
      'SignatureDoesNotMatch',
      403,
      `Signature expired: ${amzDate} is now earlier than ${toAmzDate(nowMs - MAX_SKEW_MS)} (${now} - 15 min.)`,
    );
  }
  if (signedMs > nowMs + MAX_SKEW_MS) {
    throw new IamError(
      'SignatureDoesNotMatch',
      403,
      `Signature not yet current: ${amzDate} is still later than ${toAmzDate(nowMs + MAX_SKEW_MS)} (${now} + 15 min.)`,
    );
  }
}

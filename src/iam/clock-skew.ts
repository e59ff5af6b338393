/**
 * IAM's clock as seen from ours (DESIGN.md invariant 4): every IAM answer carries a `Date`
 * header (whole seconds); its difference from our clock when the answer arrived is the skew.
 * A lost CreateAccessKey is recognised by its key's CreateDate, which is on IAM's clock.
 */
import type { IAMClient } from '@aws-sdk/client-iam';

/** The Date header's own rounding: it is truncated to the second. */
const DATE_HEADER_RESOLUTION_MS = 1_000;

export interface ClockSkew {
  /** IAM's clock minus ours (ms) from the latest answer; 0 before any. */
  skewMs(): number;
}

/** Measured on every answer the clients deserialize. */
export function measureClockSkew(clients: readonly IAMClient[]): ClockSkew {
  let latest = 0;
  for (const client of new Set(clients)) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const headers = (out.response as { headers?: Record<string, string> } | undefined)?.headers;
        const date = headers?.date ?? headers?.Date;
        const theirs = date === undefined ? Number.NaN : Date.parse(date);
        if (!Number.isNaN(theirs)) {
          // The header was truncated: IAM's clock read up to a second more than it says.
          latest = theirs + DATE_HEADER_RESOLUTION_MS / 2 - Date.now();
        }
        return out;
      },
      { step: 'deserialize', name: 'iamPamClockSkew', override: true },
    );
  }
  return { skewMs: () => latest };
}

/**
 * The request log (`GET /_sandbox/requests`): one entry per IAM/STS request, newest last, in a
 * ring of `capacity` entries so memory stays bounded however long the sandbox runs. Sequence
 * numbers keep counting across resets, so `since=` stays meaningful.
 */

export interface RequestLogEntry {
  seq: number;
  /** Arrival time, ISO 8601. */
  at: string;
  /** null until the request is authenticated. */
  accountId: string | null;
  /** The key the request claims to be signed with (even when that key is refused). */
  accessKeyId: string | null;
  action: string | null;
  /** The request's parameters, without passwords, secrets or tokens. */
  params: Record<string, string>;
  /** The HTTP status answered (or to be answered, while held); null while in progress. */
  status: number | null;
  /** The error code; null for a success. */
  code: string | null;
  /** The SDK's attempt number (`amz-sdk-request: attempt=N`), when sent. */
  attempt?: number;
  /** The request's User-Agent (at most 512 characters), when sent: iam-pam's names its process. */
  userAgent?: string;
  /** True while held by holdBefore or holdAfter; false once released. */
  held?: boolean;
  /** True when dropResponse closed the connection without an answer. */
  dropped?: boolean;
}

export interface RequestLog {
  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry;
  /** Entries with `seq > since`, oldest first, at most `limit`. */
  since(since: number, limit?: number): RequestLogEntry[];
  /** The highest sequence number handed out so far (0 before the first request). */
  readonly lastSeq: number;
  clear(): void;
}

export const DEFAULT_REQUEST_LOG_CAPACITY = 100_000;

export function createRequestLog(capacity = DEFAULT_REQUEST_LOG_CAPACITY): RequestLog {
  const ring = new Array<RequestLogEntry | undefined>(capacity);
  let lastSeq = 0;
  let firstSeq = 1;
  return {
    append(fields) {
      lastSeq += 1;
      const entry: RequestLogEntry = { seq: lastSeq, ...fields };
      ring[lastSeq % capacity] = entry;
      firstSeq = Math.max(firstSeq, lastSeq - capacity + 1);
      return entry;
    },
    since(since, limit = Number.POSITIVE_INFINITY) {
      const out: RequestLogEntry[] = [];
      for (let seq = Math.max(since + 1, firstSeq); seq <= lastSeq && out.length < limit; seq++) {
        const entry = ring[seq % capacity];
        if (entry !== undefined && entry.seq === seq) {
          out.push(entry);
        }
      }
      return out;
    },
    get lastSeq() {
      return lastSeq;
    },
    clear() {
      ring.fill(undefined);
      firstSeq = lastSeq + 1;
    },
  };
}

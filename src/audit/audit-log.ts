/**
 * The audit trail (DESIGN.md invariant 9): every vault write, every secret read and every IAM
 * mutation, appended to the Redis stream `{<prefix>}:audit`. Entries carry ids and outcomes,
 * never secrets: `detail` is scrubbed like a log record.
 */
import type { Redis } from 'ioredis';

import type { Keys } from '../keys.ts';
import { scrubSecrets } from '../logger.ts';

export interface AuditRecord {
  /** Who acted: `job:<queue>/<jobId>`, `token:<name>`, `cli:<os user>`. */
  actor: string;
  /** What was done: an IAM action (`CreateAccessKey`) or a vault action (`vault.put`, `secret.read`). */
  action: string;
  /**
   * Vault writes and reads: `ok`, `failed`, `refused`. IAM mutations: `attempted` before the
   * call, then one settling entry (`settles` = its id): `succeeded`, `failed`, or `unknown` (the
   * response was lost, or the worker died: the entry a resumed run writes).
   */
  outcome: 'ok' | 'failed' | 'refused' | 'attempted' | 'succeeded' | 'unknown';
  /** The id of the `attempted` entry this one settles. */
  settles?: string | undefined;
  provider?: string | undefined;
  /** The account reference (`prod/alice/access-key`) or `provider:<id>`. */
  account?: string | undefined;
  /** The access key id concerned, when there is one. */
  keyId?: string | undefined;
  /** The AWS request id of an IAM mutation. */
  requestId?: string | undefined;
  jobId?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface AuditEntry extends AuditRecord {
  id: string;
  at: string;
}

export interface AuditLog {
  append(record: AuditRecord): Promise<string>;
  /** Newest first; `account` (canonical) and `provider` filter, over the newest 100,000 entries. */
  list(filter: { account?: string; provider?: string; limit: number }): Promise<AuditEntry[]>;
}

/** Roughly how many entries the stream keeps; older ones are trimmed (export them to keep more). */
export const AUDIT_MAX_ENTRIES = 1_000_000;
const SCAN_BATCH = 500;
/** A filtered read looks at most this many of the newest entries (the stream is long). */
const MAX_SCANNED = 100_000;

export function createAuditLog(redis: Redis, keys: Keys): AuditLog {
  return {
    async append(record) {
      const at = new Date().toISOString();
      const clean = scrubSecrets({ ...record, at }) as Record<string, unknown>;
      const id = await redis.xadd(
        keys.audit,
        'MAXLEN',
        '~',
        String(AUDIT_MAX_ENTRIES),
        '*',
        'entry',
        JSON.stringify(clean),
      );
      return id ?? '';
    },

    async list({ account, provider, limit }) {
      const found: AuditEntry[] = [];
      let end = '+';
      let scanned = 0;
      while (found.length < limit && scanned < MAX_SCANNED) {
        const batch = await redis.xrevrange(keys.audit, end, '-', 'COUNT', SCAN_BATCH);
        scanned += batch.length;
        for (const [id, fields] of batch) {
          const entry = { id, ...(JSON.parse(fields[1] ?? '{}') as Omit<AuditEntry, 'id'>) };
          if (
            (account === undefined || entry.account === account) &&
            (provider === undefined || entry.provider === provider)
          ) {
            found.push(entry);
            if (found.length === limit) {
              break;
            }
          }
        }
        const last = batch.at(-1);
        if (batch.length < SCAN_BATCH || last === undefined) {
          break;
        }
        end = `(${last[0]}`;
      }
      return found;
    },
  };
}

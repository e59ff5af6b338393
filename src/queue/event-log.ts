/**
 * Lifecycle events on the capped Redis stream `{<prefix>}:events` (CONTRACT.md "Events").
 * Readers page with the id of the last event they saw; details are scrubbed of any
 * secret-shaped field before they are written.
 */
import { invalidInput } from '../errors.ts';
import { quoteInput } from '../identifiers.ts';
import type { EventType, LifecycleEvent } from '../jobs/events.ts';
import type { Keys } from '../keys.ts';
import { scrubSecrets } from '../logger.ts';
import type { RedisConnection } from './redis-connections.ts';

export interface NewEvent {
  type: EventType;
  provider: string;
  account?: string | undefined;
  jobId: string;
  detail?: Record<string, unknown> | undefined;
}

export interface EventLog {
  append(event: NewEvent): Promise<string>;
  /** Events after `after` (exclusive; from the start when absent), oldest first. */
  read(options: { after?: string | undefined; limit: number }): Promise<LifecycleEvent[]>;
}

const STREAM_ID = /^(\d+)(?:-(\d+))?$/;
/** Each part of a stream id is an unsigned 64-bit number. */
const MAX_ID_PART = 2n ** 64n - 1n;
/** Roughly how many events the stream keeps (XADD MAXLEN ~). */
export const EVENTS_KEPT = 100_000;

/** XRANGE's exclusive start after `after`; undefined when no id can follow it. */
function rangeStart(after: string | undefined): string | undefined {
  if (after === undefined) {
    return '-';
  }
  const parts = STREAM_ID.exec(after);
  if (parts === null) {
    throw invalidInput(
      `after: must be an event id such as 1700000000000-0 (got ${quoteInput(after)})`,
    );
  }
  const time = BigInt(parts[1] ?? 0);
  const sequence = BigInt(parts[2] ?? 0);
  if (time > MAX_ID_PART || sequence > MAX_ID_PART) {
    throw invalidInput(
      `after: ${quoteInput(after)} is past the largest event id (each part is at most ${MAX_ID_PART})`,
    );
  }
  return time === MAX_ID_PART && sequence === MAX_ID_PART ? undefined : `(${after}`;
}

export function createEventLog(deps: { redis: RedisConnection; keys: Keys }): EventLog {
  const { redis, keys } = deps;
  return {
    async append(event) {
      const body = {
        type: event.type,
        at: new Date().toISOString(),
        provider: event.provider,
        ...(event.account === undefined ? {} : { account: event.account }),
        jobId: event.jobId,
        detail: scrubSecrets(event.detail ?? {}),
      };
      const id = await redis.xadd(
        keys.events,
        'MAXLEN',
        '~',
        EVENTS_KEPT,
        '*',
        'e',
        JSON.stringify(body),
      );
      return id ?? '';
    },
    async read({ after, limit }) {
      const start = rangeStart(after);
      if (start === undefined) {
        return [];
      }
      const entries = await redis.xrange(keys.events, start, '+', 'COUNT', limit);
      return entries.map(([id, fields]) => {
        const raw = fields[fields.indexOf('e') + 1] ?? '{}';
        return { id, ...(JSON.parse(raw) as Omit<LifecycleEvent, 'id'>) };
      });
    },
  };
}

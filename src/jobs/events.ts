/**
 * Lifecycle events (CONTRACT.md "Events"): what handlers may emit, and the shape readers get
 * from the Redis stream `{<prefix>}:events` and `GET /v1/events`. Details carry ids, verdicts
 * and counts, never secrets.
 */

export const EVENT_TYPES = [
  'provider.validated',
  'discovery.completed',
  'heartbeat.verdict',
  'rotation.started',
  'rotation.succeeded',
  'rotation.failed',
  'rotation.refused',
  'rotation.abandoned',
  'job.dead_lettered',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface LifecycleEvent {
  /** The stream entry id (`<ms>-<seq>`): pass it as `after` to read what follows. */
  id: string;
  type: EventType;
  /** ISO time. */
  at: string;
  provider: string;
  /** `<provider>/<userName>/<kind>` when the event concerns one managed account. */
  account?: string;
  jobId: string;
  detail: Record<string, unknown>;
}

/** What a handler says; the engine adds id, time, job id and (by default) the provider. */
export interface EventInput {
  type: EventType;
  /** Defaults to the job contract's `provider(payload)`. */
  provider?: string;
  account?: string;
  detail?: Record<string, unknown>;
}

/** Appends an event to the stream; resolves to its id. */
export type EmitEvent = (event: EventInput) => Promise<string>;

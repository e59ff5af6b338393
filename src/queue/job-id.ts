/**
 * Which strings may name a job. BullMQ numbers its jobs, but an upstream system adding jobs with
 * BullMQ directly (CONTRACT.md) may choose its own ids, which BullMQ only refuses when they look
 * like integers. A job id is a part of a Redis key (`<queue>:<id>`), so an id is refused before
 * Redis is asked when it could name something else: a `:` reaches a job's own sub-keys
 * (`5:logs`, `5:lock`), and the queue's own key names (`meta`, `wait`, `events`…) are not jobs.
 */
import { QueueKeys } from 'bullmq';

export const MAX_JOB_ID_LENGTH = 100;
const JOB_ID = new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_JOB_ID_LENGTH}}$`);
const QUEUE_KEY_NAMES = new Set(Object.keys(new QueueKeys().getKeys('queue')));

export function isJobId(id: string): boolean {
  return JOB_ID.test(id) && !QUEUE_KEY_NAMES.has(id);
}

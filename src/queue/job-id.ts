/**
 * Which strings may name a job. BullMQ numbers its jobs, but an upstream system adding jobs with
 * BullMQ directly (CONTRACT.md) may choose its own ids (`tenant:prod:42`, an e-mail address…),
 * which BullMQ only refuses when they look like integers. So any printable id up to 100
 * characters is looked up, except the queue's own key names (`meta`, `wait`, `events`…); what
 * the lookup finds is checked to be a job (`findJob`), since an id with a `:` can also reach a
 * job's sub-keys (`5:logs`).
 */
import { QueueKeys } from 'bullmq';

export const MAX_JOB_ID_LENGTH = 100;
/** Printable characters: no whitespace, no control or unassigned code points. */
export const JOB_ID_CHARACTER = '[^\\s\\p{C}]';
const JOB_ID = new RegExp(`^${JOB_ID_CHARACTER}{1,${MAX_JOB_ID_LENGTH}}$`, 'u');
const QUEUE_KEY_NAMES = new Set(Object.keys(new QueueKeys().getKeys('queue')));

export function isJobId(id: string): boolean {
  return JOB_ID.test(id) && !QUEUE_KEY_NAMES.has(id);
}

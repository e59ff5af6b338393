/**
 * CONTRACT.md's five queues. A queue follows a kind of work whose pace differs; several job
 * names may share one. Nobody consumes `dead-letter`: it is read and replayed.
 */

export const WORK_QUEUES = ['validate', 'discovery', 'heartbeat', 'rotation'] as const;
export const DEAD_LETTER_QUEUE = 'dead-letter';
export const QUEUE_NAMES = [...WORK_QUEUES, DEAD_LETTER_QUEUE] as const;

export type WorkQueueName = (typeof WORK_QUEUES)[number];
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

export function isWorkQueueName(name: string): name is WorkQueueName {
  return (WORK_QUEUES as readonly string[]).includes(name);
}

/** What names a kind of job: its name is unique within its queue (`schedule-tick` runs on three). */
export function jobKey(queue: string, name: string): string {
  return `${queue}/${name}`;
}

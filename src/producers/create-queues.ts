/**
 * One BullMQ Queue per CONTRACT.md queue, under the prefix `{<IAM_PAM_PREFIX>}`, on one
 * connection the caller owns (and closes after `close()`).
 */
import { Queue } from 'bullmq';

import { isQueueName, QUEUE_NAMES, type QueueName } from '../jobs/queues.ts';
import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';

export interface QueueSet {
  get(name: QueueName): Queue;
  /** The queue named by a caller, or undefined for any other name. */
  find(name: string): Queue | undefined;
  all(): Queue[];
  close(): Promise<void>;
}

export function createQueues(connection: RedisConnection, keys: Keys): QueueSet {
  const queues = new Map<QueueName, Queue>(
    QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix: keys.bullPrefix })]),
  );
  for (const queue of queues.values()) {
    // The connection logs its own errors (redis-connections.ts); this keeps them handled.
    queue.on('error', () => undefined);
  }
  const get = (name: QueueName): Queue => {
    const queue = queues.get(name);
    if (queue === undefined) {
      throw new Error(`no queue ${name}`);
    }
    return queue;
  };
  return {
    get,
    find: (name) => (isQueueName(name) ? get(name) : undefined),
    all: () => [...queues.values()],
    async close() {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
    },
  };
}

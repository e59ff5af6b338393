/**
 * Whether a worker serves a queue, as Redis sees it: BullMQ names each worker's connection after
 * its queue (`CLIENT SETNAME`), and `getWorkersCount` counts them in `CLIENT LIST`. Undefined
 * when Redis refuses CLIENT LIST (an ACL, a managed service): then nobody can tell.
 */
import type { Queue } from 'bullmq';

export async function isServedByWorker(queue: Queue): Promise<boolean | undefined> {
  try {
    return (await queue.getWorkersCount()) > 0;
  } catch {
    return undefined;
  }
}

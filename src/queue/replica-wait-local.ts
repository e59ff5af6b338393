/**
 * Stand-in for `replica-wait.ts` (INTERFACES.md §2, written on the vault branch): the same
 * signature, waiting for nothing, as with IAM_PAM_MIN_REPLICAS=0. worker-runtime.ts imports it
 * in one place; on merge that import switches to the real one and this file goes.
 */
import type { RedisConnection } from './redis-connections.ts';

/** After a fenced write: waits until enough replicas have `key`'s slot's writes. */
export type WaitForReplicas = (key: string) => Promise<void>;

export function createReplicaWait(_options: {
  redis: RedisConnection;
  minReplicas: number;
  timeoutMs?: number;
}): WaitForReplicas {
  return async () => undefined;
}

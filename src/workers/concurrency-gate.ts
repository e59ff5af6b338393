/**
 * A contract's concurrency cap inside one worker process. BullMQ's concurrency is per queue
 * and a queue carries several job names, so a job over its name's cap waits here for a slot
 * (its BullMQ lock keeps being renewed meanwhile); its deadline starts once it runs.
 */
export interface ConcurrencyGate {
  acquire(name: string, cap: number): Promise<() => void>;
}

export function createConcurrencyGate(): ConcurrencyGate {
  const running = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();
  const release = (name: string) => {
    const next = waiting.get(name)?.shift();
    if (next !== undefined) {
      next(); // the slot passes straight to the next waiter
    } else {
      running.set(name, (running.get(name) ?? 1) - 1);
    }
  };
  return {
    async acquire(name, cap) {
      const count = running.get(name) ?? 0;
      if (count < cap) {
        running.set(name, count + 1);
      } else {
        await new Promise<void>((resolve) => {
          const queue = waiting.get(name) ?? [];
          queue.push(resolve);
          waiting.set(name, queue);
        });
      }
      let released = false;
      return () => {
        if (!released) {
          released = true;
          release(name);
        }
      };
    },
  };
}

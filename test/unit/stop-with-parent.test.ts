/** A CLI started by npm takes its parent's exit for a SIGTERM (npm 11 signals only its `sh -c`). */
import { describe, expect, it } from 'vitest';

import { stopWhenParentExits } from '../../src/stop-with-parent.ts';

/** A process whose parent the test changes; `looked(n)` resolves once ppid was read n times. */
function fakeProcess() {
  let parent = 4242;
  let reads = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const signals: Array<[number, string]> = [];
  return {
    signals,
    proc: {
      pid: 77,
      get ppid() {
        reads += 1;
        waiters.filter((w) => reads >= w.n).forEach((w) => w.resolve());
        return parent;
      },
      kill(pid: number, signal?: string | number): true {
        signals.push([pid, String(signal)]);
        return true;
      },
    },
    reparent() {
      parent = 1;
    },
    looked: (n: number) => new Promise<void>((resolve) => waiters.push({ n: reads + n, resolve })),
  };
}

describe('stopWhenParentExits', () => {
  it('sends SIGTERM to itself once, when its parent changes, and not before', async () => {
    const fake = fakeProcess();
    stopWhenParentExits(fake.proc, 1);
    await fake.looked(3);
    expect(fake.signals).toEqual([]);
    fake.reparent();
    await fake.looked(1);
    expect(fake.signals).toEqual([[77, 'SIGTERM']]);
  });
});

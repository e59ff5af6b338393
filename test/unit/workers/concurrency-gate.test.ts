import { describe, expect, it } from 'vitest';

import { createConcurrencyGate } from '../../../src/workers/concurrency-gate.ts';

/** Lets every promise that can settle now settle (the gate hands slots over in microtasks). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('the concurrency gate', () => {
  it('lets at most `cap` runs of one job name through, and passes freed slots on in order', async () => {
    const gate = createConcurrencyGate();
    const first = await gate.acquire('rotate', 2);
    await gate.acquire('rotate', 2);
    const order: string[] = [];
    const third = gate.acquire('rotate', 2).then(() => order.push('third'));
    const fourth = gate.acquire('rotate', 2).then(() => order.push('fourth'));
    // Another name has its own slots.
    await gate.acquire('heartbeat', 1);
    await settled();
    expect(order).toEqual([]);
    first();
    first(); // releasing twice frees one slot only
    await third;
    await settled();
    expect(order).toEqual(['third']);
    void fourth;
  });
});

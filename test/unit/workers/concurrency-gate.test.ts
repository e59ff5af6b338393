import { describe, expect, it } from 'vitest';

import { createConcurrencyGate } from '../../../src/workers/concurrency-gate.ts';

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
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    first();
    first(); // releasing twice frees one slot only
    await third;
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['third']);
    void fourth;
  });
});

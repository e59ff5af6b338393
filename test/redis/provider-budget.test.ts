/** Each provider's own budget, brought by the job setup (as the provider store's maxRps will be). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { type IamStub, startIamStub } from '../support/iam-stub.ts';
import { createTestJobs, testEcho } from '../support/test-jobs.ts';

const stubs: Record<string, IamStub> = {};
beforeAll(async () => {
  stubs.slow = await startIamStub();
  stubs.fast = await startIamStub();
});
afterAll(async () => {
  await Promise.all(Object.values(stubs).map((stub) => stub.close()));
});

const engine = useEngine({
  createJobs: (deps) => ({
    bindings: createTestJobs(deps),
    budgetOf: async (provider) => (provider === 'slow' ? 5 : 1_000),
  }),
});
beforeAll(async () => {
  for (const id of ['slow', 'fast']) {
    await engine.addProvider(id, {
      endpoint: stubs[id]?.endpoint,
      credentials: { accessKeyId: 'AKIASTUB0000000001', secretAccessKey: 'stub-secret-not-real' },
    });
  }
});

describe('provider budgets', () => {
  it('space each provider’s requests by its own budget', async () => {
    const [slow, fast] = await Promise.all(
      ['slow', 'fast'].map((provider) =>
        engine.enqueue(testEcho, { provider, key: `budget-${provider}`, iamCalls: 4 }),
      ),
    );
    await engine.finished(slow!);
    await engine.finished(fast!);
    // 4 requests at 5/s span 3 × 200 ms; spans, unlike single gaps, ignore most timer jitter, and
    // the stub's clock is not the limiter's (a run measured 579 ms), so allow 10%.
    const span = (times: number[]) => Math.max(...times) - Math.min(...times);
    expect(stubs.slow!.requests).toHaveLength(4);
    expect(span(stubs.slow!.requests)).toBeGreaterThanOrEqual(540);
    expect(span(stubs.fast!.requests)).toBeLessThan(500);
  });
});

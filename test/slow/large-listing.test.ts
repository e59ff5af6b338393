/**
 * At scale (`npm run test:slow`): 10,000 seeded users listed page by page through the gateway,
 * with short pages injected and the provider's rate budget in force, against the sandbox.
 */
import { describe, expect, it } from 'vitest';

import { createSandbox } from '../../src/sandbox/create-sandbox.ts';
import { custom, createTestDomain } from '../support/domain.ts';
import { useTestRedis } from '../support/redis.ts';

const USERS = 10_000;
const t = useTestRedis();

describe('listing 10,000 users', () => {
  it('sees every user exactly once across short pages, within the budget', async () => {
    const sandbox = await createSandbox({ seedUsers: USERS });
    try {
      const domain = createTestDomain(t);
      await domain.providers.put(
        'big',
        {
          region: sandbox.region,
          endpoints: { iam: sandbox.endpoint },
          credential: custom(sandbox.adminCredentials),
          maxRps: 200,
        },
        'test',
      );
      sandbox.faults.set({ maxPageItems: 70 });
      const gateway = domain.clients.gatewayFor('big');
      const started = Date.now();
      const seen = new Set<string>();
      let pages = 0;
      let marker: string | undefined;
      do {
        const page = await gateway.listUsersPage({ marker, maxItems: 1000 });
        for (const user of page.users) {
          expect(seen.has(user.userName), `user ${user.userName} listed twice`).toBe(false);
          seen.add(user.userName);
        }
        marker = page.marker;
        pages += 1;
      } while (marker);
      const seconds = (Date.now() - started) / 1000;
      expect(seen.size).toBe(USERS + 1); // the seeded users and the sandbox administrator
      expect(pages).toBe(Math.ceil((USERS + 1) / 70));
      // 144 requests at 200/s cannot take less than (n-1)/rate.
      expect(seconds).toBeGreaterThanOrEqual((pages - 1) / 200);
      process.stderr.write(
        `[slow] listed ${seen.size} users in ${pages} pages in ${seconds.toFixed(1)} s\n`,
      );
      domain.close();
    } finally {
      await sandbox.close();
    }
  });
});

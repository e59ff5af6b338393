/**
 * At scale (`npm run test:slow`): a discovery of 10,000 users in pages of 100, at a 500 req/s
 * budget, whose worker process is SIGKILLed halfway; a fresh worker takes the job over, and the
 * sandbox's request log shows that finished pages and users were not fetched again.
 */
import { randomBytes } from 'node:crypto';

import { describe, it } from 'vitest';

import {
  expectResumedWithoutRefetching,
  runDiscoveryTakeover,
} from '../support/discovery-takeover.ts';
import { useEngine } from '../support/engine.ts';

const masterKey = randomBytes(32).toString('base64');
const engine = useEngine({ noWorker: true, env: { IAM_PAM_MASTER_KEY: masterKey } });

describe('a 10,000-user discovery taken over', () => {
  it('resumes in a fresh worker after a SIGKILL halfway, fetching no finished page again', async () => {
    const outcome = await runDiscoveryTakeover(engine, masterKey, {
      users: 10_000,
      pageItems: 100,
      maxRps: 500,
      killAfterUsers: 5_000,
      timeoutMs: 300_000,
    });
    expectResumedWithoutRefetching(outcome);
    const again = outcome.after.filter((r) => r.action === 'ListAccessKeys').length;
    process.stderr.write(
      `[slow] ${outcome.result.users} users, ${outcome.result.accessKeys} keys; the successor listed ${again} users' keys\n`,
    );
  });
});

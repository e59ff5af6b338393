/**
 * A discovery whose worker process is SIGKILLed halfway is taken over by a fresh worker, which
 * resumes from what the first recorded: the sandbox's request log shows finished pages and
 * users were not fetched again. Sandbox only: it needs short pages, `holdAfter` and the request
 * log (moto has none of them). The 10,000-user run is in test/slow/discovery-takeover.test.ts.
 */
import { randomBytes } from 'node:crypto';

import { describe, it } from 'vitest';

import {
  expectResumedWithoutRefetching,
  runDiscoveryTakeover,
} from '../support/discovery-takeover.ts';
import { useEngine } from '../support/engine.ts';
import { unsupportedOn } from '../support/iam-backend.ts';

const masterKey = randomBytes(32).toString('base64');
// The producer side only: the workers are child processes.
const engine = useEngine({ noWorker: true, env: { IAM_PAM_MASTER_KEY: masterKey } });
const sandboxOnly = unsupportedOn({
  moto: 'moto ignores MaxItems and has no holdAfter or request log',
});

describe('discovery takeover', () => {
  it.skipIf(sandboxOnly.skip)(
    `a SIGKILLed worker's discovery resumes in another without fetching finished pages again${sandboxOnly.label}`,
    async () => {
      const outcome = await runDiscoveryTakeover(engine, masterKey, {
        users: 400,
        pageItems: 20,
        maxRps: 200,
        killAfterUsers: 150,
        timeoutMs: 60_000,
      });
      expectResumedWithoutRefetching(outcome);
    },
    90_000,
  );
});

/**
 * The access-key rotation killed at every step's failpoint in turn on real worker processes
 * (each fresh worker resumes at the journaled step and dies at the next; BullMQ's worker_lost
 * replayed from the dead-letter as an operator would), then finished by a worker with no
 * failpoint: the end state holds (test/support/access-key-crash.ts). ~90 s: test/slow.
 * The same on moto: access-key-crash-every-step-moto.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { useAccessKeyCrash } from '../support/access-key-crash.ts';
import { expectKilledAtEveryStep } from '../support/access-key-failpoint-cases.ts';

const crash = useAccessKeyCrash(['chain']);

describe('an access-key rotation killed at every step', () => {
  it('each fresh worker resumes at the journaled step and dies at the next; the end state holds', async () => {
    await expectKilledAtEveryStep(crash, 'chain');
  }, 240_000);

  it('no worker logged a secret', () => {
    expect(crash.secretsInLogs()).toEqual([]);
  });
});

/**
 * The access-key rotation's failpoint crash cases on moto (the sandbox's: ../crash and
 * access-key-crash-every-step.test.ts): killed at each step's failpoint alone, then at every
 * step in turn; a fresh worker finishes, and the end state holds as far as moto shows it (one
 * managed Active key whose secret is the vault's, by ListAccessKeys and moto's record; the old
 * key gone; its tag removed; one rotation.succeeded; every audit entry settled). Only here: one
 * case alone took 16–17 s of file time (moto, two tsx worker starts) at load 6 on 2 cores, over
 * the 8 s npm test allows for it.
 */
import { describe, expect, it } from 'vitest';

import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { useAccessKeyCrash } from '../support/access-key-crash.ts';
import {
  expectKilledAtEveryStep,
  expectKilledOnceAt,
} from '../support/access-key-failpoint-cases.ts';
import { MOTO_CANNOT_SHOW } from '../support/moto-cannot-show.ts';

const STEPS = [...ACCESS_KEY_STEPS, 'done'];
const crash = useAccessKeyCrash([...STEPS.map((step) => `at-${step}`), 'chain'], 'moto');

describe(`an access-key rotation killed at its failpoints, on moto [${MOTO_CANNOT_SHOW}]`, () => {
  it.each(STEPS)(
    'killed after %s, a fresh worker finishes; the end state holds',
    async (step) => {
      await expectKilledOnceAt(crash, step, `at-${step}`);
    },
    120_000,
  );

  it('killed at every step in turn, each fresh worker resumes and dies at the next; the end state holds', async () => {
    await expectKilledAtEveryStep(crash, 'chain');
  }, 240_000);

  it('no worker logged a secret', () => {
    expect(crash.secretsInLogs()).toEqual([]);
  });
});

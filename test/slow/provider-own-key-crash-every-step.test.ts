/**
 * A provider's own key rotation killed at every step's failpoint in turn on real worker
 * processes, while another worker runs a stream of validations and heartbeats for the same
 * provider (test/support/own-key.ts): each fresh worker resumes at the journaled step and dies
 * at the next (BullMQ's worker_lost replayed from the dead-letter, as an operator would), then a
 * worker with no failpoint finishes; the provider ends with one working key that every process
 * signs with, nothing signed with the old key after its deactivation, and no other job failed.
 */
import { describe, expect, it } from 'vitest';

import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { sleep } from '../../src/sleep.ts';
import { FAILPOINTS } from '../support/access-key-crash.ts';
import { killAtEveryStep } from '../support/kill-at-every-step.ts';
import { OWN, REAL, useOwnKey } from '../support/own-key.ts';

const {
  engine,
  domain,
  deadLetter,
  harness,
  stream,
  currentOwnKey,
  expectOneWorkingKey,
  secretsInLogs,
} = useOwnKey(['alice', 'bob']);

describe("a provider's own key rotation killed at every step", () => {
  it('each fresh worker resumes at the journaled step and dies at the next; one working key that every process uses', async () => {
    await Promise.all([
      harness.start({ env: REAL, queues: ['validate', 'heartbeat'] }),
      harness.start({ failpoints: FAILPOINTS, env: REAL }),
    ]);
    const old = await currentOwnKey();
    const other = stream({ everyMs: 300, kinds: ['validate', 'heartbeat'] });
    const job = await engine.enqueue(rotate, { ...OWN, reason: 'crash' });
    const { seen, status } = await killAtEveryStep({
      engine,
      harness,
      deadLetter,
      journals: domain.journals,
      account: OWN,
      job,
      failpoints: FAILPOINTS,
      env: REAL,
    });
    expect(seen).toEqual([...ACCESS_KEY_STEPS, 'closed']);
    expect(status.state, status.failedReason).toBe('completed');
    await sleep(1_000); // the stream goes on with the new key
    const statuses = await other.stop();
    expect(statuses.filter((s) => s.state !== 'completed')).toEqual([]);
    await expectOneWorkingKey(old.accessKeyId);
  }, 400_000);

  it('no worker logged a secret', () => {
    expect(secretsInLogs()).toEqual([]);
  });
});

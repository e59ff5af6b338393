/**
 * Secrets never reach job data, results, failure texts, dead-letter entries, events or logs:
 * jobs that try (a secret-shaped result field, a snapshot, an event detail), IAM calls signed
 * with a secret key, and jobs an upstream system added with a secret in their data leave no
 * trace of either anywhere under the prefix or in the log.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { createLogSink } from '../support/log-sink.ts';
import { type IamStub, startIamStub } from '../support/iam-stub.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import { testEcho, testLocked } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';

const PLANTED = 'must-never-be-stored';
const SIGNING_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCyEXAMPLEKEY';
const sink = createLogSink('debug');
let stub: IamStub;
beforeAll(async () => {
  stub = await startIamStub();
});
afterAll(async () => {
  await stub.close();
});

const engine = useEngine({
  log: sink.log,
});
beforeAll(async () => {
  await engine.addProvider('prod', {
    endpoint: stub.endpoint,
    credentials: { accessKeyId: 'AKIAEXAMPLESIGNER01', secretAccessKey: SIGNING_SECRET },
  });
});

describe('secrets', () => {
  it('appear nowhere in Redis or the log, whatever jobs try', async () => {
    const jobs = [
      await engine.enqueue(testEcho, {
        provider: 'prod',
        key: 's-1',
        leakyResult: true,
        emit: true,
        iamCalls: 2,
      }),
      await engine.enqueue(testEcho, { provider: 'prod', key: 's-2', permanent: true }),
      await engine.enqueue(testLocked, {
        provider: 'prod',
        key: 's-3',
        userName: 'alice',
        failTimes: 5,
      }),
    ];
    for (const job of jobs) {
      await engine.finished(job);
    }
    stub.throttle = true;
    const throttled = await engine.enqueue(testEcho, { provider: 'prod', key: 's-4', iamCalls: 1 });
    await waitFor('a throttled run', () =>
      sink.text().includes('provider throttled') ? true : undefined,
    );
    stub.throttle = false;
    await engine.finished(throttled, 15_000);
    await waitFor('the dead-letter entries', async () =>
      (await engine.runtime().deadLetter.depth()) >= 2 ? true : undefined,
    );

    expect(
      await scanForSecrets(engine.redis.redis, engine.redis.prefix, [PLANTED, SIGNING_SECRET]),
    ).toEqual([]);
    expect(sink.text()).toContain('job dead-lettered');
    expect(sink.text()).not.toContain(PLANTED);
    expect(sink.text()).not.toContain(SIGNING_SECRET);
    // The jobs did run and try: the redaction marks where secrets were.
    expect(
      (await engine.runtime().deadLetter.show(`validate-${jobs[1]!.jobId}`)).state,
    ).toMatchObject({
      secretAccessKey: '[Redacted]',
    });
  });

  it('are not kept by a job refused before it runs (bad payload, unknown name) that an upstream system added', async () => {
    const secret = randomBytes(24).toString('base64url');
    const validate = engine.queues.get('validate');
    const refused = [
      await validate.add('test-echo', { provider: 42, secretAccessKey: secret }),
      await validate.add('no-such-job', { provider: 'prod', nested: { password: secret } }),
    ];
    for (const [index, added] of refused.entries()) {
      const jobId = added.id ?? '';
      expect(await engine.finished({ queue: 'validate', jobId })).toMatchObject({
        state: 'failed',
        attemptsMade: 1,
        failedReason: index === 0 ? /^invalid_payload: test-echo: provider: / : /^unknown_job: /,
      });
      const entry = await waitFor('its dead-letter entry', async () =>
        (await engine.runtime().deadLetter.list()).find((e) => e.jobId === jobId),
      );
      // Its data is the scrubbed copy, here as in the failed job: such an entry is not replayed.
      expect((await validate.getJob(jobId))?.data).toEqual(entry.data);
      await expect(engine.runtime().deadLetter.replay(entry.id)).rejects.toMatchObject({
        code: 'conflict',
      });
    }
    expect(await engine.runtime().deadLetter.reconcile(['validate'])).toBe(0);
    const entries = await engine.runtime().deadLetter.list();
    for (const added of refused) {
      expect(entries.filter((e) => e.jobId === added.id)).toHaveLength(1);
    }

    expect(await scanForSecrets(engine.redis.redis, engine.redis.prefix, [secret])).toEqual([]);
    expect(sink.text()).not.toContain(secret);
  });
});

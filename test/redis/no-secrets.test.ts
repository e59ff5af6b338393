/**
 * Secrets never reach job data, results, failure texts, dead-letter entries, events or logs:
 * jobs that try (a secret-shaped result field, a snapshot, an event detail) and IAM calls
 * signed with a secret key leave no trace of either anywhere under the prefix or in the log.
 */
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
  runtime: {
    resolveProvider: async () => ({
      region: 'us-east-1',
      iamEndpoint: stub.endpoint,
      stsEndpoint: stub.endpoint,
      credentials: { accessKeyId: 'AKIAEXAMPLESIGNER01', secretAccessKey: SIGNING_SECRET },
    }),
  },
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
});

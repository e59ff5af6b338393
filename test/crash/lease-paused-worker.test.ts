/**
 * A worker process paused (SIGSTOP) past its user lease, then resumed, cannot make the IAM
 * mutation it was about to make: the request never reaches IAM (the sandbox's request log).
 */
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRedisConnection, waitUntilReady } from '../../src/queue/redis-connections.ts';
import { createUserLeases, type UserLeases } from '../../src/queue/user-lease.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { useEngine } from '../support/engine.ts';
import { goKey, runningKey, testLocked } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

// The producer side only: the worker is a child process (IAM_PAM_JOB_LOCK_MS=2000).
const engine = useEngine({ noWorker: true });
const { redis, prefix } = engine.redis;
const USER = 'paula';
const connection = createRedisConnection(engine.config.redis, 'producer', engine.log);
/** What another worker does: take the user once Redis let the paused worker's lease go. */
const otherWorker: UserLeases = createUserLeases({
  redis: connection,
  keys: engine.keys,
  ttlMs: 60_000,
  waitForReplicas: async () => undefined,
});
let sandbox: Sandbox;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  sandbox = await createSandbox();
  const iam = new IAMClient({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.adminCredentials,
  });
  await iam.send(new CreateUserCommand({ UserName: USER }));
  iam.destroy();
  await waitUntilReady(connection, 5_000);
  // The worker reaches the sandbox with its environment's AWS settings.
  await engine.addProvider('prod', { endpoint: undefined, credentials: 'chain' });
  worker = await startWorkerProcess(
    {
      ...engine.redis.env,
      AWS_ENDPOINT_URL: sandbox.endpoint,
      AWS_REGION: sandbox.region,
      AWS_ACCESS_KEY_ID: sandbox.adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.adminCredentials.secretAccessKey,
    },
    ['--queues', 'rotation'],
  );
});

afterAll(async () => {
  worker?.child.kill('SIGCONT');
  worker?.child.kill('SIGKILL');
  connection.disconnect();
  await sandbox.close();
});

describe('a worker paused past its lease', () => {
  it('cannot make its IAM mutation after SIGCONT; the retry, holding the user, makes it once', async () => {
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    const tagUsers = () => sandbox.requests(since).filter((r) => r.action === 'TagUser');
    const job = await engine.enqueue(testLocked, {
      provider: 'prod',
      key: 'paused',
      userName: USER,
      goKey: 'paused',
      ignoreSignal: true,
      tagUser: true,
    });
    const pid = await waitFor('the run to start', async () => {
      const running = await redis.get(runningKey(prefix, 'paused'));
      return running === null ? undefined : Number(running);
    });
    expect(pid).toBe(worker?.child.pid);

    worker?.child.kill('SIGSTOP');
    const user = { provider: 'prod', userName: USER };
    const taken = await waitFor('the lease to pass to another worker', async () => {
      const got = await otherWorker.acquire(user);
      return got.acquired ? got : undefined;
    });
    // The run goes straight on to TagUser when resumed, without looking at its signal.
    await redis.set(goKey(prefix, 'paused'), '1');
    worker?.child.kill('SIGCONT');

    const failure = await worker?.waitForLog('job failed; it will retry');
    expect(failure).toMatchObject({ reason: 'lease_lost' });
    expect(tagUsers()).toEqual([]);

    await otherWorker.release(user, taken.value);
    expect(await engine.finished(job, 20_000)).toMatchObject({ state: 'completed' });
    expect(tagUsers()).toEqual([expect.objectContaining({ status: 200 })]);
  });
});

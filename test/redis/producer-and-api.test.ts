/** The package's typed producer, and the `api` command as a real process. */
import { describe, expect, it } from 'vitest';

import { createProducer } from '../../src/index.ts';
import { runCliProcess } from '../support/cli-process.ts';
import { useEngine } from '../support/engine.ts';
import { freePort } from '../support/free-port.ts';
import { spawnCli } from '../support/spawn-cli.ts';
import { testEcho } from '../support/test-jobs.ts';

const engine = useEngine();

describe('createProducer (the package entry)', () => {
  it('enqueues a validated job, reads its status, refuses a bad payload', async () => {
    const producer = await createProducer({
      redis: { url: engine.redis.url, prefix: engine.redis.prefix },
    });
    try {
      const job = await producer.enqueue(testEcho, { provider: 'prod', key: 'lib' });
      await engine.finished(job);
      expect(await producer.status(job.queue, job.jobId)).toMatchObject({
        state: 'completed',
        result: { key: 'lib' },
      });
      await expect(producer.enqueue(testEcho, { provider: 'prod' } as never)).rejects.toMatchObject(
        {
          code: 'invalid_payload',
        },
      );
      expect(producer.schemas()).toEqual(expect.any(Array));
    } finally {
      await producer.close();
    }
  });
});

describe('iam-pam api', () => {
  it('listens, answers health and 401, logs JSON on stdout, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const api = spawnCli(['api'], {
      ...engine.redis.env,
      IAM_PAM_HTTP_PORT: String(port),
      IAM_PAM_API_TOKENS: 'ci:ci-token-0123456789:read',
      LOG_LEVEL: 'info',
    });
    await api.waitForLog('api listening');
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/v1/events`)).status).toBe(401);
    const events = await fetch(`${base}/v1/events`, {
      headers: { authorization: 'Bearer ci-token-0123456789' },
    });
    expect(events.status).toBe(200);
    api.child.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    expect(api.lines.map((line) => line.msg)).toContain('api stopped');
    expect(api.stdout()).not.toContain('ci-token-0123456789');
  });

  it('stops at start with exit 2 and one line on a bad setting', async () => {
    const run = await runCliProcess(['api'], {
      env: { ...engine.redis.env, IAM_PAM_HTTP_PORT: '80x' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^iam-pam: IAM_PAM_HTTP_PORT: must be a whole number/),
    ]);
  });
});

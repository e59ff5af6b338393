/** The operator's commands against a real Redis: enqueue with and without --wait, dlq, and the exit codes. */
import { describe, expect, it } from 'vitest';

import { runCliProcess } from '../support/cli-process.ts';
import { useEngine } from '../support/engine.ts';
import { freePort } from '../support/free-port.ts';
import { runTestCli } from '../support/test-cli.ts';

const engine = useEngine();
const env = { ...engine.redis.env, LOG_LEVEL: 'silent' };

describe('enqueueing commands', () => {
  it('print {"queue","jobId"} on one line without --wait', async () => {
    const run = await runTestCli(['test-echo', 'prod', 'cli-1', '--json'], env);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual({ queue: 'validate', jobId: expect.any(String) });
  });

  it('with --wait --json, show progress on stderr and print the outcome', async () => {
    const run = await runTestCli(['test-echo', 'prod', 'cli-2', '--wait', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      queue: 'validate',
      jobId: expect.any(String),
      state: 'completed',
      result: expect.objectContaining({ key: 'cli-2', run: 1 }),
    });
    expect(run.stderr).toMatch(/waiting for validate\/\d+/);
  });

  it('exit 1 when the job failed, with its reason', async () => {
    const run = await runTestCli(
      ['test-echo', 'prod', 'cli-3', '--permanent', '--wait', '--json'],
      env,
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      queue: 'validate',
      jobId: expect.any(String),
      state: 'failed',
      result: { reason: 'needs_decision' },
      failedReason: expect.stringMatching(/^needs_decision: /),
      reason: 'needs_decision',
    });
  });

  it('exit 2 with a one-line error on bad input, and enqueue nothing', async () => {
    const run = await runTestCli(['test-echo', 'Bad Provider', 'cli-4'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^iam-pam: test-echo: provider: must be 1-63 lower-case letters/),
    ]);
  });
});

describe('iam-pam dlq', () => {
  it('lists, shows, replays and purges entries', async () => {
    const failed = JSON.parse(
      (await runTestCli(['test-echo', 'prod', 'cli-dead', '--permanent', '--wait', '--json'], env))
        .stdout,
    ) as { jobId: string };
    const id = `validate-${failed.jobId}`;
    await engine.runtime().workers.reconcileNow();

    const list = await runTestCli(['dlq', 'list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id,
          queue: 'validate',
          name: 'test-echo',
          data: expect.objectContaining({ key: 'cli-dead' }),
          reason: 'needs_decision',
          at: expect.any(String),
        }),
      ]),
    );
    expect((await runTestCli(['dlq', 'list'], env)).stdout).toMatch(
      new RegExp(`^${id}  validate/test-echo  needs_decision  `, 'm'),
    );
    const show = await runTestCli(['dlq', 'show', id, '--json'], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, attempts: 1, state: { step: 'plan' } });
    expect((await runTestCli(['dlq', 'show', 'validate-0'], env)).code).toBe(2);

    expect((await runTestCli(['dlq', 'replay'], env)).code).toBe(2);
    const replay = await runTestCli(['dlq', 'replay', id, '--json'], env);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ id, queue: 'validate', jobId: expect.any(String) });
    // The replayed job fails again (it is told to): that is a new entry, which --all replays.
    const all: unknown = JSON.parse(
      (await runTestCli(['dlq', 'replay', '--all', '--json'], env)).stdout,
    );
    expect(all).toEqual(expect.any(Array));
    expect(all).not.toContainEqual(expect.objectContaining({ id }));

    const purge = await runTestCli(['dlq', 'purge', '--json'], env);
    expect(JSON.parse(purge.stdout)).toEqual({ purged: expect.any(Number) });
    // (Replayed jobs that fail again may add entries meanwhile: look for ours.)
    const after = JSON.parse(
      (await runTestCli(['dlq', 'list', '--json'], env)).stdout,
    ) as unknown[];
    expect(after).not.toContainEqual(expect.objectContaining({ id }));
  });
});

describe('start-up mistakes', () => {
  it('worker: exit 2 with one line for a bad setting or a bad queue list', async () => {
    const badLock = await runTestCli(['worker'], { ...env, IAM_PAM_JOB_LOCK_MS: '2s' });
    expect(badLock.code).toBe(2);
    expect(badLock.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^iam-pam: IAM_PAM_JOB_LOCK_MS: must be a whole number/),
    ]);
    const deadLetter = await runTestCli(['worker', '--queues', 'validate,dead-letter'], env);
    expect(deadLetter.code).toBe(2);
    expect(deadLetter.stderr).toMatch(/nobody consumes dead-letter/);
    expect((await runTestCli(['worker', '--queues', 'nope'], env)).stderr).toMatch(
      /unknown queue "nope"/,
    );
  });

  it('a real process exits 3 and says what to do when Redis is unreachable', async () => {
    const port = await freePort();
    const run = await runCliProcess(['dlq', 'list'], {
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'silent' },
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^iam-pam: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable .*start redis-server or set REDIS_URL$/,
      ),
    ]);
  });
});

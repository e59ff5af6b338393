/**
 * `--wait` when the job or Redis goes away: a removed job is a bad outcome (exit 1), Redis gone
 * is a dependency unreachable (exit 3); either ends the wait at once, not at its timeout.
 */
import { PassThrough, Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { runCli } from '../../src/cli/program.ts';
import { useEngine } from '../support/engine.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { testCommands } from '../support/test-cli.ts';

// No worker: the job waits until the test removes it (or Redis goes).
const engine = useEngine({ noWorker: true });

/** Runs `test-echo … --wait` in this process; `waiting` resolves to the job id once it waits. */
function startWaiting(key: string, env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const waiting = new Promise<string>((resolve) => {
    stderr.on('data', (c: Buffer) => {
      err += c.toString();
      const id = /waiting for validate\/(\d+)/.exec(err)?.[1];
      if (id !== undefined) {
        resolve(id);
      }
    });
  });
  const noWorkerNotice = new Promise<void>((resolve) => {
    stderr.on('data', () => {
      if (err.includes('no worker serves queue validate')) {
        resolve();
      }
    });
  });
  const args = ['test-echo', 'prod', key, '--wait', '--timeout', '60'];
  const io = { env: { ...env, LOG_LEVEL: 'silent' }, stdout, stderr, stdin: Readable.from([]) };
  const done = runCli(args, io, testCommands).then((code) => ({ code, stdout: out, stderr: err }));
  return { waiting, noWorkerNotice, done };
}

describe('enqueue … --wait', () => {
  it('says at once that no worker serves the queue, and how to start one', async () => {
    const run = startWaiting('unserved', engine.redis.env);
    const jobId = await run.waiting;
    await run.noWorkerNotice;
    expect(await engine.queues.get('validate').remove(jobId)).toBe(1);
    const { code, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stderr.split('\n')[1]).toMatch(
      /^no worker serves queue validate: the job waits until one does; start one with "iam-pam worker"/,
    );
  });

  it('exits 1 at once, saying so, when the job is removed while waited on', async () => {
    const started = Date.now();
    const run = startWaiting('removed', engine.redis.env);
    // Removed as soon as it is waited on: the wait follows the events from before it looks.
    const jobId = await run.waiting;
    expect(await engine.queues.get('validate').remove(jobId)).toBe(1);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `iam-pam: job validate/${jobId} was removed before it finished, so how it would have ended is unknown; enqueue it again if it is still needed`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('exits 3 with one line, no stack, when Redis goes away while it waits', async () => {
    const server = await startRedisServer();
    try {
      const started = Date.now();
      const run = startWaiting('outage', { REDIS_URL: server.url, IAM_PAM_PREFIX: 'outage' });
      await run.waiting;
      // The notice comes before the outage, so the outage's line is the last one.
      await run.noWorkerNotice;
      server.stop();
      const { code, stdout, stderr } = await run.done;
      expect(code).toBe(3);
      expect(stdout).toBe('');
      const where = server.url.replace('redis://', '').replaceAll('.', '\\.');
      // After "waiting for …" and the notice that no worker serves the queue: one line.
      expect(stderr.trim().split('\n').slice(2)).toEqual([
        expect.stringMatching(
          new RegExp(`^iam-pam: Redis at ${where} is unreachable .*; check it is running`),
        ),
      ]);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      server.stop();
    }
  });
});

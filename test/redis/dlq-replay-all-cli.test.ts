/** `iam-pam dlq replay --all` goes on past entries it cannot replay, says which, and exits 1. */
import { describe, expect, it } from 'vitest';

import { useEngine } from '../support/engine.ts';
import { failJob } from '../support/fail-job.ts';
import { runTestCli } from '../support/test-cli.ts';

const engine = useEngine({ runtime: { queues: ['validate'] } });
const env = { ...engine.redis.env, LOG_LEVEL: 'silent' };

async function deadLettered(queue: 'rotation' | 'heartbeat', name: string, data: object) {
  const job = await failJob(engine, queue, name, data, 'needs_decision: a person must look');
  expect(await engine.runtime().deadLetter.record(queue, job)).toBe(true);
  return `${queue}-${job.id}`;
}

describe('iam-pam dlq replay --all', () => {
  it('exits 0 when there is nothing to replay', async () => {
    const run = await runTestCli(['dlq', 'replay', '--all'], env);
    expect(run).toMatchObject({ code: 0, stdout: 'nothing to replay\n' });
  });

  it('replays what it can, reports what it could not (text and --json), and exits 1', async () => {
    // No job named "ghost" is declared: that entry cannot be replayed.
    const ghost = await deadLettered('heartbeat', 'ghost', { provider: 'prod' });
    const first = await deadLettered('rotation', 'test-locked', {
      provider: 'prod',
      key: 'one',
      userName: 'ivan',
    });
    const json = await runTestCli(['dlq', 'replay', '--all', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: ghost, error: { code: 'unknown_job', message: expect.stringMatching(/"ghost"/) } },
      { id: first, queue: 'rotation', jobId: expect.any(String) },
    ]);

    const second = await deadLettered('rotation', 'test-locked', {
      provider: 'prod',
      key: 'two',
      userName: 'judy',
    });
    const text = await runTestCli(['dlq', 'replay', '--all'], env);
    expect(text.code).toBe(1);
    expect(text.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^not replayed ${ghost}: unknown_job: `)),
      expect.stringMatching(new RegExp(`^replayed ${second} as rotation/\\d+$`)),
      '1 of 2 entries could not be replayed',
    ]);
  });
});

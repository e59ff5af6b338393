import { PassThrough, Readable } from 'node:stream';

import { MaxRetriesPerRequestError } from 'ioredis/built/errors/index.js';
import { describe, expect, it } from 'vitest';

import { createCliContext } from '../../../src/cli/cli-context.ts';
import { runAction } from '../../../src/cli/run-action.ts';

async function run(env: Record<string, string>, body: () => Promise<void>) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const context = createCliContext({
    env,
    stdout: new PassThrough(),
    stderr,
    stdin: Readable.from([]),
  });
  const code = await runAction(context, body);
  return { code, stderr: err };
}

describe('runAction', () => {
  it('exits 3 with one line saying where Redis is (no password) when it went away mid-command', async () => {
    const env = { REDIS_URL: 'redis://ops:hunter2-password@127.0.0.1:6390', LOG_LEVEL: 'debug' };
    const outcomes = await Promise.all(
      [
        new MaxRetriesPerRequestError(1) as Error,
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        new Error('Connection is closed.'),
      ].map((err) => run(env, () => Promise.reject(err))),
    );
    for (const { code, stderr } of outcomes) {
      expect(code).toBe(3);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^iam-pam: Redis at 127\.0\.0\.1:6390 is unreachable \(.+\); check it is running/,
        ),
      ]);
      expect(stderr).not.toMatch(/hunter2|ops:/);
    }
  });

  it('keeps exit 1 and "unexpected error" for anything else', async () => {
    const { code, stderr } = await run({}, () => Promise.reject(new Error('boom')));
    expect(code).toBe(1);
    expect(stderr).toBe('iam-pam: unexpected error: boom\n');
  });
});

import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { createCliRunner } from '../../support/cli-in-process.ts';
import { runCliProcess } from '../../support/cli-process.ts';
import { freePort } from '../../support/free-port.ts';

const run = createCliRunner({});

// Some tests start real processes through tsx (a second or more each on a busy machine).
describe('iam-pam CLI', { timeout: 30_000 }, () => {
  it('keygen prints a fresh 32-byte base64 key and nothing else', async () => {
    const first = await run(['keygen']);
    const second = await run(['keygen']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(first.stdout.trim(), 'base64')).toHaveLength(32);
    expect(second.stdout).not.toBe(first.stdout);
    expect(first.stderr).toBe('');
  });

  it('keygen --json prints one JSON value on one line', async () => {
    const { code, stdout } = await run(['keygen', '--json']);
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      masterKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
  });

  it('exits 2 on a usage mistake, with the message on stderr only', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);

    const badOption = await run(['keygen', '--bogus']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/unknown option '--bogus'/);

    const nothing = await run([]);
    expect(nothing.code).toBe(2);
  });

  it('help goes to stdout and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: iam-pam/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      expect(await run([flag])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it("help describes demo, and shows --adopt-secret-stdin's JSON", async () => {
    const help = await run(['--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(
      /demo \[options\] +run the main job on embedded defaults/,
    );
    const add = await run(['account', 'add', '--help']);
    expect(add.stdout.replace(/\s+/g, ' ')).toContain(
      '{"accessKeyId":"AKIA…","secretAccessKey":"…"} for an access key, {"password":"…"} for a password',
    );
  });

  it('an unreachable Redis is one line on stderr and exit 3, nothing logged before it', async () => {
    const result = await runCliProcess(['provider', 'list'], {
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^iam-pam: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable .*\n$/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a real process keeps stdout for output and exits with the code', async () => {
    const result = await runCliProcess(['keygen']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(result.stderr).toBe('');
    const usage = await runCliProcess(['keygen', 'extra']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
  });
});

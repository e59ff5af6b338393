import { describe, expect, it } from 'vitest';

import { createCliRunner } from '../../support/cli-in-process.ts';
import { runCliProcess } from '../../support/cli-process.ts';

const run = createCliRunner({});

describe('iam-pam CLI', () => {
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

  it('demo says in one line that it is not there yet and exits 2', async () => {
    const { code, stdout, stderr } = await run(['demo']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
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

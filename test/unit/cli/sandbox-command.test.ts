/** `iam-pam sandbox` as a real process: what it prints, that it serves, how it stops and fails. */
import { IAMClient, ListUsersCommand, paginateListUsers } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { writeEnvFile } from '../../../src/cli/commands/sandbox-env-file.ts';
import { runCliProcess } from '../../support/cli-process.ts';
import { startSandboxProcess } from '../../support/sandbox-process.ts';

const JSON_LINE =
  /^\{"endpoint":"http:\/\/127\.0\.0\.1:(\d+)","stsEndpoint":"http:\/\/127\.0\.0\.1:\1","adminEndpoint":"http:\/\/127\.0\.0\.1:\1\/_sandbox","accessKeyId":"AKIA[A-Z2-7]{16}","secretAccessKey":"[A-Za-z0-9+/]{40}","accountId":"\d{12}"\}$/;

const runShell = async (script: string) => (await promisify(execFile)('sh', ['-c', script])).stdout;

interface Printed {
  endpoint: string;
  stsEndpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

// Each test starts real processes through tsx (about half a second each, more on a busy machine).
describe('iam-pam sandbox', { timeout: 60_000 }, () => {
  it('with --json prints the contract line first, serves IAM and STS there, and exits 0 on SIGTERM', async () => {
    const run = await startSandboxProcess(['--seed-users', '100', '--json']);
    try {
      expect(run.firstLine).toMatch(JSON_LINE);
      const printed = JSON.parse(run.firstLine) as Printed;
      const credentials = {
        accessKeyId: printed.accessKeyId,
        secretAccessKey: printed.secretAccessKey,
      };
      const iam = new IAMClient({ region: 'us-east-1', endpoint: printed.endpoint, credentials });
      const sts = new STSClient({
        region: 'eu-west-1',
        endpoint: printed.stsEndpoint,
        credentials,
      });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(printed.accountId);
      let users = 0;
      for await (const page of paginateListUsers({ client: iam, pageSize: 40 }, {})) {
        users += page.Users?.length ?? 0;
      }
      expect(users).toBe(101); // 100 seeded + the bootstrap admin
      iam.destroy();
      sts.destroy();
    } finally {
      const ended = await run.stop('SIGTERM');
      expect(ended).toEqual({ code: 0, signal: null });
    }
    // Only the JSON line on stdout; logs and a few seeded users to try went to stderr.
    expect(run.stdout().trim().split('\n')).toHaveLength(1);
    expect(run.stderr()).toContain('sandbox listening');
    expect(run.stderr()).toMatch(
      /^iam-pam sandbox: seeded 100 users, e\.g\. bob\.ueda\.1 \(one access key\), .*\(two access keys: name one with --access-key-id\), .*\(a console password\)$/m,
    );
  });

  it('--write-env-file writes the export lines (owner only) once it serves, and removes them when it stops', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'iam-pam-sandbox-')), 'sandbox.env');
    const run = await startSandboxProcess(['--seed-users', '3', '--write-env-file', path]);
    const written = readFileSync(path, 'utf8');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(written).toBe(run.stdout());
    expect(written).toMatch(/^# seeded 3 users, e\.g\. bob\.ueda\.1 \(one access key\)/m);
    const sourced = await runShell(`. '${path}' && echo "$AWS_ENDPOINT_URL $AWS_ACCESS_KEY_ID"`);
    expect(sourced).toMatch(/^http:\/\/127\.0\.0\.1:\d+ AKIA[A-Z2-7]{16}\n$/);
    expect(await run.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(path)).toBe(false);

    // A file it cannot write is bad input (exit 2), named with what to do.
    expect(() => writeEnvFile('/nonexistent/dir/x.env', written)).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message:
          '--write-env-file /nonexistent/dir/x.env: cannot write it (ENOENT); name a file in a directory that exists and is writable',
      }),
    );
  });

  it('without --json prints the endpoint and the bootstrap key, and exits 0 on SIGINT', async () => {
    const run = await startSandboxProcess(['--port', '0']);
    const ended = await run.stop('SIGINT');
    expect(ended).toEqual({ code: 0, signal: null });
    const text = run.stdout();
    expect(text).toMatch(/IAM and STS at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/^export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(text).toMatch(/^export AWS_ACCESS_KEY_ID=AKIA[A-Z2-7]{16}$/m);
    expect(text).toMatch(/^export AWS_SECRET_ACCESS_KEY=[A-Za-z0-9+/]{40}$/m);
  });

  it('gives the same seeded users for the same --seed', async () => {
    const listing = async (seed: string) => {
      const run = await startSandboxProcess(['--seed-users', '20', '--seed', seed, '--json']);
      const printed = JSON.parse(run.firstLine) as Printed;
      const iam = new IAMClient({
        region: 'us-east-1',
        endpoint: printed.endpoint,
        credentials: { accessKeyId: printed.accessKeyId, secretAccessKey: printed.secretAccessKey },
      });
      const out = await iam.send(new ListUsersCommand({ PathPrefix: '/', MaxItems: 1000 }));
      iam.destroy();
      await run.stop();
      return out.Users?.filter((u) => u.UserName !== 'sandbox-admin').map((u) => [
        u.UserName,
        u.UserId,
      ]);
    };
    const first = await listing('demo');
    expect(first).toHaveLength(20);
    expect(await listing('demo')).toEqual(first);
  });

  it(
    'exits 2 with one line on stderr for a bad flag or a busy port',
    { timeout: 150_000 },
    async () => {
      const mistakes = [
        ['--bogus'],
        ['--port'],
        ['--port', '80x'],
        ['--seed-users', 'many'],
        ['--latency-ms', '-5'],
        ['--propagation-delay-ms', '1.5'],
      ];
      // Six tsx starts at once: on a loaded 2-core machine one took over 30 s.
      const results = await Promise.all(
        mistakes.map((args) => runCliProcess(['sandbox', ...args], { timeoutMs: 90_000 })),
      );
      for (const result of results) {
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      }
      const first = await startSandboxProcess(['--json']);
      const port = /:(\d+)"/.exec(first.firstLine)?.[1] ?? '0';
      const busy = await runCliProcess(['sandbox', '--port', port]);
      await first.stop();
      expect(busy.code).toBe(2);
      expect(busy.stderr).toBe(
        `iam-pam: --port ${port}: the port is already in use; pick another\n`,
      );
    },
  );
});

/**
 * The README's walkthrough, run as a newcomer runs it: the commands of its ` ```sh walkthrough `
 * block, one after the other in one bash from the checkout (which stands for a fresh clone after
 * `npm ci`: the project's global setup builds dist/ when it is older than src/), each checked
 * before the next. This file keeps its own copy of the commands, so the README's walkthrough
 * cannot change without this test (nor this test without the README).
 *
 * The environment adds only what a shared test machine needs: this file's Redis and key prefix,
 * and IAM_PAM_WORKER_HTTP_PORT=0 (another worker may hold the default port 9464).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { startInGroup } from '../support/process-group.ts';
import { useTestRedis } from '../support/redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const WALKTHROUGH = [
  'export IAM_PAM_MASTER_KEY=$(npx iam-pam keygen)',
  'rm -f sandbox.env',
  'npx iam-pam sandbox --seed-users 20 --write-env-file sandbox.env &',
  'until [ -s sandbox.env ]; do sleep 0.2; done',
  '. ./sandbox.env',
  'npx iam-pam worker > worker.log &',
  `printf '%s' "$AWS_SECRET_ACCESS_KEY" | npx iam-pam provider add sandbox --access-key-id "$AWS_ACCESS_KEY_ID" --secret-access-key-stdin --endpoint "$AWS_ENDPOINT_URL"`,
  'npx iam-pam provider validate sandbox --wait',
  `printf '{"accessKeyId":"%s","secretAccessKey":"%s"}' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" | npx iam-pam account add sandbox/sandbox-admin/access-key --adopt-secret-stdin`,
  'npx iam-pam secret sandbox/sandbox-admin/access-key',
  'kill %1 %2',
];
const step = (prefix: string) => WALKTHROUGH.findIndex((command) => command.startsWith(prefix));

/** The commands of the README's ` ```sh walkthrough ` block, without their trailing comments. */
function readmeWalkthrough(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /^```sh walkthrough\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  if (block === undefined) {
    throw new Error('README.md has no ```sh walkthrough block');
  }
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Each command, then its exit status on stderr; the first failure ends the shell. */
function script(commands: readonly string[]): string {
  return commands
    .map(
      (command, i) =>
        `echo "::step ${i}"; echo "::step ${i}" >&2\n${command}\n__status=$?; echo "::status ${i} $__status" >&2; [ "$__status" -eq 0 ] || exit 97\n`,
    )
    .join('');
}

/** What step `i` printed on `stream` (background processes may add lines of their own). */
function outputOf(stream: string, i: number): string {
  const from = stream.indexOf(`::step ${i}\n`);
  const to = stream.indexOf(`::step ${i + 1}\n`);
  return from === -1 ? '' : stream.slice(from + `::step ${i}\n`.length, to === -1 ? undefined : to);
}

const t = useTestRedis();
const workerLog = join(ROOT, 'worker.log');
afterAll(() => {
  rmSync(workerLog, { force: true });
});

describe('the README walkthrough', () => {
  it('is the block this test runs', () => {
    expect(readmeWalkthrough()).toEqual(WALKTHROUGH);
  });

  it(
    'gets from a checkout to a validated provider and a managed secret, command by command',
    {
      timeout: 180_000,
    },
    async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'iam-pam-walkthrough-')), 'walkthrough.sh');
      writeFileSync(path, script(readmeWalkthrough()));
      const shell = startInGroup('bash', [path], {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...t.env,
        IAM_PAM_WORKER_HTTP_PORT: '0',
      });
      const describeFailure = (i: number) => {
        const status = new RegExp(`::status ${i} (\\d+)`).exec(shell.stderr())?.[1];
        return `step ${i} (${WALKTHROUGH[i]}) ${status === undefined ? 'did not finish' : `exited ${status}`}\nstdout: ${outputOf(shell.stdout(), i)}\nstderr: ${outputOf(shell.stderr(), i).slice(-2000)}`;
      };
      try {
        for (let i = 0; i < WALKTHROUGH.length; i++) {
          await shell
            .until(`step ${i}`, ({ stderr }) => stderr.includes(`::status ${i} `), 90_000)
            .catch(() => undefined);
          expect(shell.stderr(), describeFailure(i)).toContain(`::status ${i} 0\n`);
        }
        expect(await shell.exited).toEqual({ code: 0, signal: null });

        const stdout = shell.stdout();
        const exported = (name: string) =>
          new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(stdout)?.[1] ?? `(no ${name} printed)`;
        expect(stdout).toMatch(/^# seeded 20 users, e\.g\. bob\.ueda\.1 \(one access key\)/m);
        expect(outputOf(stdout, step('npx iam-pam provider validate'))).toMatch(
          /^completed validate\/\S+: \{"provider":"sandbox","status":"ready","denied":\[\]/m,
        );
        expect(outputOf(stdout, step('printf \'{"accessKeyId"'))).toMatch(
          /^sandbox\/sandbox-admin\/access-key\tmanaged\tAKIA\w+\tsecret known$/m,
        );
        expect(outputOf(stdout, step('npx iam-pam secret')).trim()).toBe(
          `${exported('AWS_ACCESS_KEY_ID')}\t${exported('AWS_SECRET_ACCESS_KEY')}`,
        );

        // `kill %1 %2` stopped both through their npx wrappers: nothing is left running.
        await shell.allEnded('the sandbox and the worker to stop', 30_000);
        expect(existsSync(join(ROOT, 'sandbox.env'))).toBe(false);
        const log = readFileSync(workerLog, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { msg: string; queues?: string[] });
        // The worker says what is true: it serves every work queue (each has a job bound) and
        // never dead-letter.
        expect(log.find((line) => line.msg === 'worker ready')?.queues).toEqual([
          'validate',
          'discovery',
          'heartbeat',
          'rotation',
        ]);
        expect(log.map((line) => line.msg)).toEqual(
          expect.arrayContaining(['provider validated', 'worker stopped']),
        );
      } finally {
        shell.killGroup();
      }
    },
  );
});

/**
 * The README's first command, `npm run demo`, as a user runs it (npm's wrapper, tsx on the
 * sources, a process group of its own as a terminal gives it): `--once` runs every step for
 * real and exits 0, and Ctrl-C (SIGINT to the group) mid-run stops it. Either way no process
 * of the demo is left and its keys are gone from Redis. The times to the first step's line
 * and to the end are printed, not asserted (the machine is shared).
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { DEMO_STEPS } from '../../src/demo/demo-steps.ts';
import { type GroupProcess, startInGroup } from '../support/process-group.ts';
import { testRedisUrl } from '../support/redis.ts';

const url = testRedisUrl();
const redis = new Redis(url, { maxRetriesPerRequest: null });
afterAll(() => redis.disconnect());

const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  REDIS_URL: url,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The demo's own prefix, from its first line. */
function prefixOf(stdout: string): string {
  const prefix = /keys under \{(iam-pam-demo-[0-9a-f]+)\}/.exec(stdout)?.[1];
  expect(prefix, stdout).toBeDefined();
  return prefix ?? '';
}

async function keysOf(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Each step's lines, from its `[n/N] name:` line up to the next step's (or the summary). */
function stepBlocks(stdout: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const parts = stdout.split(/^(?=\[\d+\/\d+\] )/m).slice(1);
  for (const part of parts) {
    const name = /^\[\d+\/\d+\] ([a-z-]+):/.exec(part)?.[1] ?? '?';
    blocks.set(name, part.split(/^(?=All |Step \d+ )/m)[0] ?? part);
  }
  return blocks;
}

const timings: string[] = [];
afterAll(() => {
  process.stderr.write(`[demo timings] ${timings.join('; ')}\n`);
});

async function withGroup(run: GroupProcess, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    run.killGroup();
  }
}

describe.concurrent('npm run demo', () => {
  it('--once runs every step for real, exits 0, and leaves no process and none of its keys', async () => {
    const began = Date.now();
    const run = startInGroup('npm', ['run', '-s', 'demo', '--', '--once'], env);
    await withGroup(run, async () => {
      await run.until('the first step', ({ stdout }) => /^\[1\/\d+\] /m.test(stdout), 60_000);
      timings.push(`--once: first step's line after ${(Date.now() - began) / 1000} s`);
      const { code } = await run.exited;
      timings.push(`--once: exited after ${(Date.now() - began) / 1000} s`);
      const stdout = run.stdout();
      expect(code, `stdout: ${stdout.slice(-3000)}\nstderr: ${run.stderr()}`).toBe(0);

      const blocks = stepBlocks(stdout);
      expect([...blocks.keys()]).toEqual(DEMO_STEPS.map((step) => step.name));
      for (const [index, step] of DEMO_STEPS.entries()) {
        const block = blocks.get(step.name) ?? '';
        expect(block).toMatch(
          new RegExp(`^\\[${index + 1}/${DEMO_STEPS.length}\\] ${step.name}: `),
        );
        expect(block.trimEnd(), block).toMatch(/\n +ok \([\d.]+ s\)$/);
      }
      expect(blocks.get('provider')).toMatch(/missing_permissions, denied: iam:UpdateAccessKey/);
      expect(blocks.get('provider')).toMatch(/provider validate demo → ready/);
      expect(blocks.get('discovery')).toMatch(/→ \d+ users, \d+ access keys, complete/);
      const key = 'AKIA[A-Z0-9]{16}';
      const replaced = new RegExp(
        `--reset --wait → managed, key ${key} → ${key} by rotation/`,
        'g',
      );
      expect(blocks.get('import')?.match(replaced)).toHaveLength(2);
      const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
      expect(blocks.get('import')).toMatch(
        new RegExp(
          `/password --reset --wait → managed, login profile updated, vault version ${uuid} by rotation/\\d+: plan \\d+ ms → store_pending \\d+ ms → apply_sent \\d+ ms → apply \\d+ ms → promote \\d+ ms`,
        ),
      );
      expect(blocks.get('import')).toMatch(
        /the vault's current password is the one the sandbox holds\n/,
      );
      expect(blocks.get('heartbeat')?.match(/→ in_sync/g)).toHaveLength(3);
      expect(blocks.get('heartbeat')).toMatch(/→ key_inactive/);
      const rotated = new RegExp(`→ succeeded, key ${key} → ${key}`, 'g');
      expect(blocks.get('rotation')?.match(rotated)).toHaveLength(2);
      expect(
        blocks.get('rotation')?.match(/steps: plan \d+ ms → intent [^\n]*→ deactivate \d+ ms/g),
      ).toHaveLength(2);
      expect(
        blocks.get('rotation')?.match(/IAM calls: [^\n]*CreateAccessKey, [^\n]*DeleteAccessKey/g),
      ).toHaveLength(2);
      expect(
        blocks
          .get('rotation')
          ?.match(
            new RegExp(
              `new secret → in_sync, account managed; old key ${key} gone, keys in the sandbox: ${key} Active\n`,
              'g',
            ),
          ),
      ).toHaveLength(2);
      expect(blocks.get('rotation')).toMatch(
        new RegExp(
          `/password \\(rotation/\\d+\\) → succeeded, login profile updated, vault version ${uuid}`,
        ),
      );
      expect(blocks.get('rotation')).toMatch(
        /steps: plan \d+ ms → store_pending \d+ ms → apply_sent \d+ ms → apply \d+ ms → promote \d+ ms\n +IAM calls: GetLoginProfile, GetAccountPasswordPolicy, UpdateLoginProfile\n +the vault's current password is the one the sandbox holds; heartbeat → in_sync\n/,
      );
      expect(blocks.get('takeover')).toMatch(/SIGKILLed \(pid \d+\)/);
      expect(blocks.get('takeover')).toMatch(/worker 2 took the job over[^\n]*complete/);
      const killed = blocks.get('killed-rotation');
      expect(killed).toMatch(/IAM_PAM_FAILPOINTS=rotation:after-create/);
      expect(killed).toMatch(/SIGKILLed itself [\d.]+ s later, the journal at step create/);
      expect(killed).toMatch(/worker 4 took the rotation over[^\n]*finished it/);
      expect(killed).toMatch(
        /"rotation resumed" and ran the steps after the journaled create: verify /,
      );
      expect(killed).toMatch(/IAM calls \(both workers\): [^\n]*CreateAccessKey, /);
      expect(killed).not.toMatch(/CreateAccessKey ×/);
      expect(killed).toMatch(new RegExp(`keys in the sandbox: ${key} Active\n`));
      expect(blocks.get('dead-letter')).toMatch(
        /failed after 1 attempt\(s\), no retry: provider_credential_invalid/,
      );
      expect(blocks.get('dead-letter')).toMatch(/dead-letter entry heartbeat-\d+/);

      const prefix = prefixOf(stdout);
      expect(stdout).toMatch(
        new RegExp(`^All ${DEMO_STEPS.length} steps succeeded, in [\\d.]+ s\\.$`, 'm'),
      );
      expect(stdout).toMatch(
        /dashboard +http:\/\/127\.0\.0\.1:\d+\/admin\/queues +\(user demo-reader, password [0-9a-f]{32}/,
      );
      expect(stdout).toContain(`export REDIS_URL=${url} IAM_PAM_PREFIX=${prefix}`);
      expect(stdout).toMatch(/npx iam-pam account list\n +npx iam-pam dlq list/);
      expect(stdout).toMatch(/^Stopped: \d+ keys under \{iam-pam-demo-[0-9a-f]+\} deleted\.$/m);

      await run.allEnded('every process of the demo to end', 20_000);
      expect(await keysOf(prefix)).toEqual([]);
    });
  }, 180_000);

  it('Ctrl-C mid-run stops every process of the demo and deletes its keys', async () => {
    const began = Date.now();
    const run = startInGroup('npm', ['run', '-s', 'demo'], env);
    await withGroup(run, async () => {
      await run.until('the first step', ({ stdout }) => /^\[1\/\d+\] /m.test(stdout), 60_000);
      timings.push(`Ctrl-C run: first step's line after ${(Date.now() - began) / 1000} s`);
      // Mid-run: the provider is validated and a discovery is under way.
      await run.until('the second step', ({ stdout }) => /^\[2\/\d+\] /m.test(stdout), 60_000);
      const prefix = prefixOf(run.stdout());
      expect((await keysOf(prefix)).length).toBeGreaterThan(0);

      // What a terminal's Ctrl-C does: SIGINT to the foreground process group.
      process.kill(-run.pgid, 'SIGINT');
      await run.allEnded('every process of the demo to end', 30_000);
      expect(run.stdout()).toMatch(
        /^Stopped: \d+ keys under \{iam-pam-demo-[0-9a-f]+\} deleted\.$/m,
      );
      expect(run.stdout()).not.toMatch(/^\[3\/\d+\] /m);
      expect(await keysOf(prefix)).toEqual([]);
    });
  }, 120_000);
});

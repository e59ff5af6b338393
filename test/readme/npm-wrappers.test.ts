/**
 * SIGTERM to the npm wrapper of a long-running command (`npx iam-pam …`, `npm run -s iam-pam --
 * …`) stops the real node process too, through the command's own shutdown: nothing of the
 * process group the wrapper started is left running. npm 11 passes the signal to the `sh -c` it
 * started and no further; `npm run` scripts `exec` node itself (tsx as a loader, not tsx's CLI,
 * which SIGKILLs a child that does not acknowledge a relayed signal within 30 ms), and the CLI
 * takes its parent's exit for a SIGTERM when npm started it.
 */
import { describe, expect, it } from 'vitest';

import { type GroupProcess, liveMembers, startInGroup } from '../support/process-group.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  ...t.env,
  IAM_PAM_WORKER_HTTP_PORT: '0',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const WRAPPERS: Array<[string, string[]]> = [
  ['npx', ['iam-pam']],
  ['npm', ['run', '-s', 'iam-pam', '--']],
];

interface LongRunning {
  args: string[];
  ready(output: { stdout: string; stderr: string }): boolean;
  /** What the command says when it stops by its own shutdown (not killed). */
  stopped(output: { stdout: string; stderr: string }): boolean;
}

const COMMANDS: LongRunning[] = [
  {
    args: ['sandbox', '--json'],
    ready: ({ stdout }) => /^\{"endpoint"/m.test(stdout),
    stopped: ({ stderr }) => stderr.includes('"signal":"SIGTERM","msg":"shutting down'),
  },
  {
    args: ['worker'],
    ready: ({ stdout }) => stdout.includes('"msg":"worker ready"'),
    stopped: ({ stdout }) => stdout.includes('"msg":"worker stopped"'),
  },
];

/** Runs `body` on the started command, then kills whatever of its group a failure left. */
async function withGroup(run: GroupProcess, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    run.killGroup();
  }
}

// Concurrent: each start waits on npm and node, not on the CPU alone.
describe.concurrent('SIGTERM to an npm wrapper', () => {
  for (const [wrapper, prefix] of WRAPPERS) {
    for (const command of COMMANDS) {
      const line = `${wrapper} ${[...prefix, ...command.args].join(' ')}`;
      it(`${line} leaves no process behind`, async () => {
        const run = startInGroup(wrapper, [...prefix, ...command.args], env);
        await withGroup(run, () => stopsWithItsWrapper(run, command));
      });
    }
  }
});

async function stopsWithItsWrapper(run: GroupProcess, command: LongRunning): Promise<void> {
  await run.until('it is ready', command.ready);
  // The wrapper is not the process doing the work: node runs below it.
  const nodes = liveMembers(run.pgid).filter(
    (m) => m.pid !== run.pgid && /node .*(main|iam-pam)/.test(m.command),
  );
  expect(nodes.length, JSON.stringify(liveMembers(run.pgid))).toBeGreaterThan(0);

  run.child.kill('SIGTERM');
  await run.exited;
  await run.allEnded('every process of the group to end', 20_000);
  expect(
    command.stopped({ stdout: run.stdout(), stderr: run.stderr() }),
    `no shutdown of its own; stdout: ${run.stdout().slice(-500)}; stderr: ${run.stderr().slice(-500)}`,
  ).toBe(true);
}

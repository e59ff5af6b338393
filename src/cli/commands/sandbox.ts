/**
 * `iam-pam sandbox`: runs the local IAM/STS sandbox until SIGINT/SIGTERM. It prints its
 * endpoint and bootstrap admin key (with `--json`, as the first stdout line, CONTRACT.md) and a
 * few seeded user names worth trying; `--write-env-file` writes the same `export` lines to a file once
 * it serves (and removes it when it stops), for shells that start it in the background. Logs go
 * to stderr.
 */
import type { Command } from 'commander';

import { invalidInput } from '../../errors.ts';
import { createSandbox, type Sandbox } from '../../sandbox/create-sandbox.ts';
import type { SeededUser } from '../../sandbox/state/seed-users.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { waitForShutdownSignal } from '../shutdown-signal.ts';
import { removeEnvFile, writeEnvFile } from './sandbox-env-file.ts';

interface SandboxFlags {
  port?: string;
  seedUsers?: string;
  seed: string;
  latencyMs?: string;
  propagationDelayMs?: string;
  writeEnvFile?: string;
  json?: boolean;
}

/** A whole number in range, or a one-line usage error naming the flag. */
function wholeNumber(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > max) {
    throw invalidInput(`${flag} must be a whole number from 0 to ${max}, got '${value}'`);
  }
  return n;
}

/** A few seeded users worth trying (`account add <provider>/<user>/<kind>`), or undefined. */
export function describeSeededUsers(users: readonly SeededUser[]): string | undefined {
  if (users.length === 0) {
    return undefined;
  }
  const keys = (u: SeededUser) => u.activeKeys + u.inactiveKeys;
  const oneKey = users.filter((u) => u.activeKeys === 1 && keys(u) === 1).slice(0, 3);
  const twoKeys = users.filter((u) => keys(u) === 2).slice(0, 1);
  const password = users.filter((u) => u.password && !oneKey.includes(u)).slice(0, 1);
  const examples = [
    ...oneKey.map((u) => `${u.userName} (one access key)`),
    ...twoKeys.map((u) => `${u.userName} (two access keys: name one with --access-key-id)`),
    ...password.map((u) => `${u.userName} (a console password)`),
  ];
  const seeded = `seeded ${users.length} user${users.length === 1 ? '' : 's'}`;
  return examples.length === 0 ? seeded : `${seeded}, e.g. ${examples.join(', ')}`;
}

function describe(sandbox: Sandbox): string {
  const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
  const seeded = describeSeededUsers(sandbox.seededUsers);
  return [
    `# iam-pam sandbox: IAM and STS at ${sandbox.endpoint}, admin API at ${sandbox.adminEndpoint}`,
    `# account ${sandbox.accountId}; bootstrap admin key below (any region is accepted)`,
    ...(seeded === undefined ? [] : [`# ${seeded}`]),
    `export AWS_ENDPOINT_URL=${sandbox.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
    `export AWS_REGION=${sandbox.region}`,
  ].join('\n');
}

export const registerSandbox: CommandRegistrar = (program: Command, run) => {
  program
    .command('sandbox')
    .description('run the local IAM/STS sandbox (tests, demo, benchmarks) until SIGINT/SIGTERM')
    .option('--port <n>', 'port to listen on, on 127.0.0.1 (default: a free port)')
    .option('--seed-users <n>', 'create N deterministic users, some with keys and passwords')
    .option('--seed <s>', 'seed for --seed-users', 'sandbox')
    .option('--latency-ms <n>', 'latency added to every IAM/STS call')
    .option('--propagation-delay-ms <n>', 'how long a new access key is refused')
    .option(
      '--write-env-file <path>',
      'once it serves, write its `export AWS_…=` lines to this file (removed when it stops)',
    )
    .option('--json', 'print the endpoint and admin key as one JSON line first')
    // Usage mistakes stay on one line, with the hint on it (scripts read stderr's first line).
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (message, write) => write(`${message.trimEnd()} (see iam-pam sandbox --help)\n`),
    })
    .action((flags: SandboxFlags) =>
      run(async (context) => {
        const port = wholeNumber('--port', flags.port, 65535);
        const seedUsers = wholeNumber('--seed-users', flags.seedUsers, 1_000_000);
        const latencyMs = wholeNumber('--latency-ms', flags.latencyMs, 600_000);
        const propagationDelayMs = wholeNumber(
          '--propagation-delay-ms',
          flags.propagationDelayMs,
          86_400_000,
        );
        const proc = context.process;
        if (proc === undefined) {
          throw new Error('sandbox: needs the process to handle signals');
        }
        const log = context.log();
        // Listen before printing: a script may signal as soon as it has read the endpoint.
        const stopped = waitForShutdownSignal(proc, log);
        const started = performance.now();
        let sandbox: Sandbox;
        try {
          sandbox = await createSandbox({
            port,
            seedUsers,
            seed: flags.seed,
            latencyMs,
            propagationDelayMs,
            logger: log,
          });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw invalidInput(`--port ${port ?? 0}: the port is already in use; pick another`);
          }
          throw err;
        }
        const text = describe(sandbox);
        try {
          if (flags.writeEnvFile !== undefined) {
            writeEnvFile(flags.writeEnvFile, text);
          }
        } catch (err) {
          await sandbox.close();
          throw err;
        }
        const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
        const json = flags.json === true;
        context.print(
          {
            endpoint: sandbox.endpoint,
            stsEndpoint: sandbox.stsEndpoint,
            adminEndpoint: sandbox.adminEndpoint,
            accessKeyId,
            secretAccessKey,
            accountId: sandbox.accountId,
          },
          { json, text },
        );
        const seeded = describeSeededUsers(sandbox.seededUsers);
        if (json && seeded !== undefined) {
          // stdout's one JSON line stays alone; people read the examples on stderr.
          context.stderr.write(`iam-pam sandbox: ${seeded}\n`);
        }
        log.info(
          {
            endpoint: sandbox.endpoint,
            seedUsers: seedUsers ?? 0,
            startMs: Math.round(performance.now() - started),
          },
          'sandbox listening',
        );
        await stopped;
        if (flags.writeEnvFile !== undefined) {
          removeEnvFile(flags.writeEnvFile);
        }
        await sandbox.close();
      }),
    );
};

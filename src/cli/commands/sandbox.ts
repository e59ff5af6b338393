/**
 * `iam-pam sandbox`: runs the local IAM/STS sandbox until SIGINT/SIGTERM. It prints its
 * endpoint and bootstrap admin key (with `--json`, as the first stdout line, CONTRACT.md);
 * logs go to stderr.
 */
import type { Command } from 'commander';

import { invalidInput } from '../../errors.ts';
import { createSandbox, type Sandbox } from '../../sandbox/create-sandbox.ts';
import type { CommandRegistrar } from '../command-registrar.ts';

interface SandboxFlags {
  port?: string;
  seedUsers?: string;
  seed: string;
  latencyMs?: string;
  propagationDelayMs?: string;
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

function describe(sandbox: Sandbox): string {
  const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
  return [
    `# iam-pam sandbox: IAM and STS at ${sandbox.endpoint}, admin API at ${sandbox.adminEndpoint}`,
    `# account ${sandbox.accountId}; bootstrap admin key below (any region is accepted)`,
    `export AWS_ENDPOINT_URL=${sandbox.endpoint}`,
    `export AWS_ACCESS_KEY_ID=${accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
    `export AWS_REGION=${sandbox.region}`,
  ].join('\n');
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
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
        const log = context.log();
        // Listen before printing: a script may signal as soon as it has read the endpoint.
        const stopped = untilSignal();
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
        const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
        context.print(
          {
            endpoint: sandbox.endpoint,
            stsEndpoint: sandbox.stsEndpoint,
            adminEndpoint: sandbox.adminEndpoint,
            accessKeyId,
            secretAccessKey,
            accountId: sandbox.accountId,
          },
          { json: flags.json === true, text: describe(sandbox) },
        );
        log.info(
          {
            endpoint: sandbox.endpoint,
            seedUsers: seedUsers ?? 0,
            startMs: Math.round(performance.now() - started),
          },
          'sandbox listening',
        );
        const signal = await stopped;
        log.info({ signal }, 'sandbox stopping');
        await sandbox.close();
      }),
    );
};

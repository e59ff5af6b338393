/**
 * `iam-pam demo [--once]`: the main job on embedded defaults. It picks a Redis (REDIS_URL, the
 * one on 127.0.0.1:6379, or a private redis-server), starts the IAM sandbox, the API with the
 * dashboard and worker processes under a prefix of its own, runs the scenario's steps for real,
 * prints what to try next, and runs until SIGINT/SIGTERM (`--once`: exits, 0 when every step
 * succeeded, 1 naming the step otherwise). Stopping leaves no process and none of its keys.
 */
import type { Command } from 'commander';

import { chooseRedis, type DemoRedis } from '../../demo/choose-redis.ts';
import { DEMO_STEPS } from '../../demo/demo-steps.ts';
import type { DemoEnvironment } from '../../demo/demo-environment.ts';
import type { Scenario } from '../../demo/demo-step.ts';
import { redisAnswers, startPrivateRedis } from '../../demo/private-redis.ts';
import { runSteps, type StepsOutcome } from '../../demo/run-steps.ts';
import { createLogger } from '../../logger.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import type { ExitCode } from '../run-action.ts';
import { waitForShutdownSignal } from '../shutdown-signal.ts';

const PROVIDER = 'demo';

export const registerDemo: CommandRegistrar = (program: Command, run) => {
  program
    .command('demo')
    .description(
      'run the main job on embedded defaults (IAM sandbox, workers, API, dashboard) until SIGINT; no configuration needed',
    )
    .option('--once', 'run the scenario once, then stop (exit 0 when every step succeeded)')
    .action((options: { once?: boolean }) =>
      run(async (context): Promise<ExitCode> => {
        const proc = context.process;
        const self = context.self;
        if (proc === undefined || self === undefined) {
          throw new Error('demo: needs the process (signals, its own worker processes)');
        }
        const out = context.stdout;
        // A reader that went away (`| head`) must not stop the demo before it cleans up.
        out.on('error', () => undefined);
        const began = performance.now();
        // Before anything starts: a signal from now on stops the demo cleanly.
        const signalled = waitForShutdownSignal(
          proc,
          createLogger({ level: 'warn', format: 'json', stream: 'stderr', service: 'demo' }),
          // SIGHUP: the terminal was closed; the demo still cleans up after itself.
          { repeatWithinMs: 2_000, signals: ['SIGINT', 'SIGTERM', 'SIGHUP'] },
        );
        // Loaded here, not with the CLI: they bring the API (fastify, the dashboard), which
        // every other command (a worker above all) would otherwise carry in memory unused.
        const [{ startDemoEnvironment }, { describeEnvironment, describeNext, describeOutcome }] =
          await Promise.all([
            // eslint-disable-next-line no-restricted-syntax -- src/demo/, which this file may import
            import('../../demo/demo-environment.ts'),
            // eslint-disable-next-line no-restricted-syntax -- src/demo/, which this file may import
            import('../../demo/summary.ts'),
          ]);
        const stopping = new AbortController();
        void signalled.then(() => stopping.abort());
        const redis: DemoRedis = await chooseRedis({
          redisUrl: context.env.REDIS_URL,
          answers: redisAnswers,
          startPrivate: startPrivateRedis,
        });
        let demo: DemoEnvironment | undefined;
        let outcome: StepsOutcome | 'interrupted';
        try {
          const starting = startDemoEnvironment({ env: context.env, self, redis });
          const started = await Promise.race([starting, signalled.then(() => undefined)]);
          if (started === undefined) {
            // Stopped while starting: let the start finish, then undo it.
            demo = await starting.catch(() => undefined);
            return 1;
          }
          demo = started;
          for (const line of describeEnvironment(demo, performance.now() - began)) {
            out.write(`${line}\n`);
          }
          const scenario: Scenario = { provider: PROVIDER, accounts: [] };
          const steps = runSteps(DEMO_STEPS, { demo, scenario }, out, stopping.signal);
          // Steps still running when a signal comes fail once their connections close.
          steps.catch(() => undefined);
          outcome = await Promise.race([steps, signalled.then(() => 'interrupted' as const)]);
          if (outcome !== 'interrupted') {
            out.write(
              `${describeOutcome(outcome, DEMO_STEPS.length, performance.now() - began)}\n`,
            );
            for (const line of await describeNext(demo, scenario)) {
              out.write(`${line}\n`);
            }
            if (options.once !== true) {
              out.write('Running until Ctrl-C.\n');
              await signalled;
            }
          }
        } finally {
          if (demo !== undefined) {
            out.write('Stopping: workers, API, sandbox…\n');
            const deleted = await demo.close();
            out.write(`Stopped: ${deleted} keys under {${demo.settings.prefix}} deleted.\n`);
          }
          await redis.stop();
        }
        if (outcome === 'interrupted') {
          if (options.once === true) {
            context.stderr.write('iam-pam demo: stopped by a signal before every step had run\n');
            return 1;
          }
          return 0;
        }
        if (outcome.failed !== undefined) {
          context.stderr.write(
            `iam-pam demo: step ${outcome.failed.number} (${outcome.failed.name}) failed: ${outcome.failed.message}\n`,
          );
          return 1;
        }
        return 0;
      }),
    );
};

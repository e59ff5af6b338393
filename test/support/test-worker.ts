/**
 * A worker process with the test job types besides the production ones: the real `worker`
 * command, started by tests as `node --import tsx test/support/test-worker.ts [--queues …]`.
 * Retries are shortened (fixed 50 ms) and the dead-letter reconciler runs every second. Access
 * keys rotate with the test kind (test-rotation-kind.ts; IAM_PAM_TEST_ROTATION=production: the
 * real kinds), whose steps also declare the
 * failpoints; a test pauses a rotation before a step with `pauseKey` (see rotationPause).
 */
import { createProductionJobsWith } from '../../src/app/production-jobs.ts';
import { createWorkerCommand } from '../../src/cli/commands/worker.ts';
import { runCli } from '../../src/cli/program.ts';
import { sleep } from '../../src/sleep.ts';
import { rotationPause } from './rotation-pause.ts';
import { createTestJobs } from './test-jobs.ts';
import { createTestRotationKind } from './test-rotation-kind.ts';

const worker = createWorkerCommand({
  createJobs: async (deps) => {
    const pause = rotationPause(deps.config.redis.prefix);
    // IAM_PAM_TEST_ROTATION=production: the real rotation kinds (the access-key crash tests).
    const realKinds = process.env.IAM_PAM_TEST_ROTATION === 'production';
    const production = await createProductionJobsWith({
      rotationKinds: realKinds
        ? undefined
        : {
            'access-key': createTestRotationKind('access-key', {
              // While the test holds the pause key, the run waits here (its pid in `paused`).
              beforeStep: async (step, account) => {
                const keys = pause(step, account.userName);
                if ((await deps.redis.exists(keys.pause)) === 0) {
                  return;
                }
                await deps.redis.set(keys.paused, String(process.pid));
                while ((await deps.redis.exists(keys.pause)) === 1) {
                  await sleep(20);
                }
              },
            }),
          },
    })(deps);
    const bindings = Array.isArray(production) ? production : production.bindings;
    const budgetOf = Array.isArray(production) ? undefined : production.budgetOf;
    return { bindings: [...bindings, ...createTestJobs(deps)], budgetOf };
  },
  runtime: { backoffOverride: { type: 'fixed', delay: 50 }, reconcileEveryMs: 1_000 },
});
const code = await runCli(
  ['worker', ...process.argv.slice(2)],
  {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    process,
  },
  [worker],
);
process.exit(code);

/**
 * A worker process with the test job types besides the production ones: the real `worker`
 * command, started by tests as `node --import tsx test/support/test-worker.ts [--queues …]`.
 * Retries are shortened (fixed 50 ms) and the dead-letter reconciler runs every second; access
 * keys rotate with the test kind (test-rotation-kind.ts), which also declares the failpoints.
 */
import { createProductionJobsWith } from '../../src/app/production-jobs.ts';
import { createWorkerCommand } from '../../src/cli/commands/worker.ts';
import { runCli } from '../../src/cli/program.ts';
import { createTestJobs } from './test-jobs.ts';
import { createTestRotationKind } from './test-rotation-kind.ts';

const worker = createWorkerCommand({
  createJobs: async (deps) => {
    // Access keys rotate with the test kind (four steps, two TagUser) until their rotation is
    // written; passwords have no kind (not_implemented).
    const production = await createProductionJobsWith({
      rotationKinds: { 'access-key': createTestRotationKind('access-key') },
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

/** A real worker process with the test job types (test/support/test-worker.ts), once it is ready. */
import { type CliProcess, spawnCli } from './spawn-cli.ts';

export interface WorkerProcess extends CliProcess {
  /** The port of its /metrics and /healthz (IAM_PAM_WORKER_HTTP_PORT=auto). */
  port: number | undefined;
}

export async function startWorkerProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<WorkerProcess> {
  const worker = spawnCli(
    args,
    {
      IAM_PAM_JOB_LOCK_MS: '2000',
      IAM_PAM_WORKER_HTTP_PORT: 'auto',
      LOG_LEVEL: 'info',
      ...env,
    },
    'test/support/test-worker.ts',
  );
  try {
    // A tsx start takes seconds of CPU: on a loaded 2-core machine four at once took over 20 s.
    await worker.waitForLog('worker ready', 60_000);
  } catch (err) {
    // Not ready in time: the test fails, and leaves no process behind.
    worker.child.kill('SIGKILL');
    throw err;
  }
  const listening = worker.lines.find(
    (line) => line.msg === 'worker metrics and health endpoint listening',
  );
  return { ...worker, port: typeof listening?.port === 'number' ? listening.port : undefined };
}

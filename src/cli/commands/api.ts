/**
 * `iam-pam api`: the HTTP API, the Bull dashboard, docs and metrics, with JSON logs on stdout.
 * SIGTERM/SIGINT stop it gracefully; a second signal exits at once.
 */
import type { Command } from 'commander';

import type { ApiRuntime, ApiRuntimeOptions } from '../../app/api-runtime.ts';
import { isAppError, PermanentError } from '../../errors.ts';
import { createLogger } from '../../logger.ts';
import { closeWithin } from '../../close-within.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { TERMINAL_REPEAT_MS, waitForShutdownSignal } from '../shutdown-signal.ts';

export function createApiCommand(
  options: Pick<ApiRuntimeOptions, 'contracts' | 'plugins'> = {},
): CommandRegistrar {
  return (program: Command, run) => {
    program
      .command('api')
      .description('serve the HTTP API, the Bull dashboard (/admin/queues), /docs and /metrics')
      .action(() =>
        run(async (context) => {
          const config = context.config();
          const proc = context.process;
          if (proc === undefined) {
            throw new Error('api: needs the process to handle signals');
          }
          const log = createLogger({ ...config.log, stream: 'stdout', service: 'api' });
          if (config.http.apiTokens.length === 0) {
            log.warn('IAM_PAM_API_TOKENS is empty: every /v1 route and the dashboard answer 401');
          }
          // Loaded here, not with the CLI: every other command (a worker above all) would carry
          // fastify, the dashboard and the docs in memory without ever serving them.
          // eslint-disable-next-line no-restricted-syntax -- src/app/, which this file imports (types above)
          const { startApiRuntime } = await import('../../app/api-runtime.ts');
          let api: ApiRuntime;
          try {
            api = await startApiRuntime({ ...options, config, log });
          } catch (err) {
            if (isAppError(err)) {
              throw err;
            }
            throw new PermanentError(
              'config_invalid',
              `IAM_PAM_HTTP_HOST/IAM_PAM_HTTP_PORT: cannot listen on ${config.http.host}:${config.http.port} (${(err as Error).message}); choose a free port`,
            );
          }
          await waitForShutdownSignal(proc, log, { repeatWithinMs: TERMINAL_REPEAT_MS });
          await closeWithin(api.close(), config.worker.shutdownTimeoutS * 1000);
          log.info('api stopped');
          return 0;
        }),
      );
  };
}

export const registerApi = createApiCommand();

/**
 * Graceful-then-forceful shutdown for the long-running commands: the first SIGTERM or SIGINT
 * (or the signals given) resolves (the caller stops taking work and drains), a second one exits
 * at once with 128 + the signal's number.
 */
import { constants } from 'node:os';

import type { Logger } from '../logger.ts';
import type { ProcessControl } from './cli-context.ts';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Under `npm run`, one Ctrl-C arrives twice (the terminal's and npm's relay): one stop. */
export const TERMINAL_REPEAT_MS = 1_000;

export function waitForShutdownSignal(
  proc: ProcessControl,
  log: Logger,
  options: {
    /**
     * A SIGINT this soon after the first is the same stop, not a second one: under `npm run`,
     * a terminal's Ctrl-C reaches the whole process group and npm relays it once more. Only
     * SIGINT: a second SIGTERM is always someone asking to exit at once. Default 0.
     */
    repeatWithinMs?: number;
    /** Default SIGTERM and SIGINT. */
    signals?: readonly NodeJS.Signals[];
  } = {},
): Promise<NodeJS.Signals> {
  let firstAt = 0;
  const signals = options.signals ?? SIGNALS;
  return new Promise((resolve) => {
    const second = (signal: NodeJS.Signals) => {
      if (signal === 'SIGINT' && performance.now() - firstAt < (options.repeatWithinMs ?? 0)) {
        return;
      }
      log.warn({ signal }, 'second signal: exiting at once');
      proc.exit(128 + (constants.signals[signal] ?? 15));
    };
    const first = (signal: NodeJS.Signals) => {
      firstAt = performance.now();
      for (const name of signals) {
        proc.off(name, first);
        proc.on(name, second);
      }
      log.info({ signal }, 'shutting down (send the signal again to exit at once)');
      resolve(signal);
    };
    for (const name of signals) {
      proc.on(name, first);
    }
  });
}

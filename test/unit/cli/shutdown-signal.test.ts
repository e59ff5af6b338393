/** One stop per Ctrl-C under `npm run` (which relays the terminal's SIGINT once more), and a second SIGTERM exits at once. */
import { EventEmitter } from 'node:events';

import { describe, expect, it } from 'vitest';

import type { ProcessControl } from '../../../src/cli/cli-context.ts';
import { TERMINAL_REPEAT_MS, waitForShutdownSignal } from '../../../src/cli/shutdown-signal.ts';
import { createLogger } from '../../../src/logger.ts';

const log = createLogger({ level: 'silent', format: 'json', stream: 'stderr', service: 'test' });

function fakeProcess(): { proc: ProcessControl; emitter: EventEmitter; exits: number[] } {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc = {
    on: (name: string, listener: (signal: NodeJS.Signals) => void) => {
      emitter.on(name, () => listener(name as NodeJS.Signals));
      return proc;
    },
    off: (name: string) => {
      emitter.removeAllListeners(name);
      return proc;
    },
    exit: (code?: number) => {
      exits.push(code ?? 0);
    },
  } as unknown as ProcessControl;
  return { proc, emitter, exits };
}

describe('waitForShutdownSignal', () => {
  it("takes npm's relayed SIGINT right after the terminal's as the same stop", async () => {
    const { proc, emitter, exits } = fakeProcess();
    const stopped = waitForShutdownSignal(proc, log, { repeatWithinMs: TERMINAL_REPEAT_MS });
    emitter.emit('SIGINT');
    emitter.emit('SIGINT');
    expect(await stopped).toBe('SIGINT');
    expect(exits).toEqual([]);
  });

  it('exits at once on a second SIGTERM, however soon', async () => {
    const { proc, emitter, exits } = fakeProcess();
    const stopped = waitForShutdownSignal(proc, log, { repeatWithinMs: TERMINAL_REPEAT_MS });
    emitter.emit('SIGTERM');
    emitter.emit('SIGTERM');
    expect(await stopped).toBe('SIGTERM');
    expect(exits).toEqual([143]);
  });

  it('exits at once on a second SIGINT without a repeat window', async () => {
    const { proc, emitter, exits } = fakeProcess();
    const stopped = waitForShutdownSignal(proc, log);
    emitter.emit('SIGINT');
    emitter.emit('SIGINT');
    await stopped;
    expect(exits).toEqual([130]);
  });
});

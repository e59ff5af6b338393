/** A logger whose JSON lines a test can read back (what the process would write to its stream). */
import { Writable } from 'node:stream';

import { createLogger, type Logger } from '../../src/logger.ts';
import type { LogLine } from './spawn-cli.ts';

export interface LogSink {
  log: Logger;
  /** Every line logged so far, parsed. */
  lines(): LogLine[];
  /** Every line logged so far, as written. */
  text(): string;
}

export function createLogSink(level = 'info'): LogSink {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    log: createLogger({ level, stream: 'stderr', destination }),
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine),
    text: () => text,
  };
}

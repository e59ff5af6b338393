/**
 * Runs the demo's steps in order, each printed as it happens: `[n/N] name: title`, its report
 * lines, then `ok`, `skipped` or `FAILED` with the time it took. The first failure stops the
 * run (later steps build on it); the result names it. Once `stop` aborts (the demo is being
 * stopped), no step starts and nothing more is printed.
 */
import type { Writable } from 'node:stream';

import type { DemoStep, StepRun } from './demo-step.ts';
import { seconds } from './demo-step.ts';

export interface StepsOutcome {
  /** The failed step, when one failed. */
  failed?: { number: number; name: string; message: string };
  skipped: string[];
}

const INDENT = '      ';

export async function runSteps(
  steps: readonly DemoStep[],
  context: Omit<StepRun, 'report'>,
  output: Writable,
  stop: AbortSignal,
): Promise<StepsOutcome> {
  const out = { write: (text: string) => stop.aborted || output.write(text) };
  const skipped: string[] = [];
  for (const [index, step] of steps.entries()) {
    const number = index + 1;
    if (stop.aborted) {
      return { skipped };
    }
    out.write(`[${number}/${steps.length}] ${step.name}: ${step.title}\n`);
    const began = performance.now();
    try {
      const outcome = await step.run({
        ...context,
        report: (line) => out.write(`${INDENT}${line}\n`),
      });
      const took = seconds(performance.now() - began);
      if (outcome === 'skipped') {
        skipped.push(step.name);
        out.write(`${INDENT}skipped\n`);
      } else {
        out.write(`${INDENT}ok (${took})\n`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      out.write(`${INDENT}FAILED (${seconds(performance.now() - began)}): ${message}\n`);
      return { failed: { number, name: step.name, message }, skipped };
    }
  }
  return { skipped };
}

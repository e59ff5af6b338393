/** The demo's step runner: each step printed as it goes, the first failure named and the rest not run. */
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import type { DemoStep, StepRun } from '../../../src/demo/demo-step.ts';
import { runSteps } from '../../../src/demo/run-steps.ts';
import { notInThisBuild } from '../../../src/demo/steps/not-in-this-build.ts';

function step(name: string, body: (run: StepRun) => Promise<void>): DemoStep {
  return { name, title: `the ${name} step`, run: body };
}

async function run(steps: DemoStep[], stop = new AbortController().signal) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const context = { demo: {}, scenario: { provider: 'demo', accounts: [] } } as unknown as Omit<
    StepRun,
    'report'
  >;
  const outcome = await runSteps(steps, context, out, stop);
  return { outcome, text };
}

describe('runSteps', () => {
  it('prints each step, its report lines and ok with its time; a feature not in this build is skipped', async () => {
    const { outcome, text } = await run([
      step('first', async ({ report }) => report('asked for it → got it')),
      notInThisBuild('later', 'what comes later', 'not in this build yet'),
    ]);
    expect(outcome).toEqual({ skipped: ['later'] });
    expect(text).toMatch(
      /^\[1\/2\] first: the first step\n {6}asked for it → got it\n {6}ok \(\d+\.\d s\)\n\[2\/2\] later: what comes later\n {6}not in this build yet\n {6}skipped\n$/,
    );
  });

  it('stops at the first failure and names it; the steps after it do not run', async () => {
    let ranAfter = false;
    const { outcome, text } = await run([
      step('good', async () => undefined),
      step('bad', async () => {
        throw new Error('expected ready');
      }),
      step('after', async () => {
        ranAfter = true;
      }),
    ]);
    expect(outcome.failed).toEqual({ number: 2, name: 'bad', message: 'expected ready' });
    expect(text).toMatch(/\[2\/3\] bad: the bad step\n {6}FAILED \(\d+\.\d s\): expected ready\n$/);
    expect(ranAfter).toBe(false);
  });

  it('starts no step and prints nothing more once stopped', async () => {
    const stop = new AbortController();
    let ranAfter = false;
    const { text } = await run(
      [
        step('first', async ({ report }) => {
          stop.abort();
          report('said after the stop');
        }),
        step('second', async () => {
          ranAfter = true;
        }),
      ],
      stop.signal,
    );
    expect(text).toBe('[1/2] first: the first step\n');
    expect(ranAfter).toBe(false);
  });
});

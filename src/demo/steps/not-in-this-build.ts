/** A step whose feature is not in this build: one honest line, and it is skipped. */
import type { DemoStep } from '../demo-step.ts';

export function notInThisBuild(name: string, title: string, why: string): DemoStep {
  return {
    name,
    title,
    async run({ report }) {
      report(why);
      return 'skipped';
    },
  };
}

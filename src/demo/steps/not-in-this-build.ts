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

export const rotationStep = notInThisBuild(
  'rotation',
  'rotate each account, and finish a rotation whose worker was killed',
  'rotation is not in this build yet (there is no iam-pam rotate, and account add --reset is refused): nothing is rotated; the worker killed mid-job comes next, on a discovery',
);

/**
 * Test-only crash points (`IAM_PAM_FAILPOINTS=rotation:after-<step>`): the process SIGKILLs
 * itself on reaching a named point, so crash tests can stop a worker between two steps that
 * make no IAM call. A no-op unless configured.
 */

/** Rotation steps of DESIGN.md, access key and password, in snake_case. */
export const ROTATION_STEPS = [
  'plan',
  'intent',
  'create_sent',
  'create',
  'store_pending',
  'verify',
  'promote',
  'tag',
  'deactivate',
  'delete',
  'untag',
  'apply_sent',
  'apply',
  'done',
] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export const KNOWN_FAILPOINTS: readonly string[] = ROTATION_STEPS.map(
  (step) => `rotation:after-${step}`,
);

export interface Failpoints {
  /** Kills the process with SIGKILL when `name` is armed; otherwise returns at once. */
  hit(name: string): void;
}

/** Returns an error message for the first unknown name, or undefined. */
export function checkFailpointNames(names: readonly string[]): string | undefined {
  const unknown = names.find((name) => !KNOWN_FAILPOINTS.includes(name));
  return unknown === undefined
    ? undefined
    : `unknown failpoint "${unknown}" (known: rotation:after-<step>, steps ${ROTATION_STEPS.join(', ')})`;
}

export function createFailpoints(armed: readonly string[]): Failpoints {
  const set = new Set(armed);
  return {
    hit(name) {
      if (set.has(name)) {
        process.stderr.write(`failpoint ${name} reached: killing this process (SIGKILL)\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  };
}

/**
 * Test-only crash points (`IAM_PAM_FAILPOINTS=rotation:after-<step>`): the process SIGKILLs
 * itself on reaching a named point, so crash tests can stop a worker right after a step was
 * journaled. A no-op unless configured. The names are not a fixed list: each job that runs
 * steps declares them (its binding's `failpoints`), and a worker refuses at start a name no job
 * it runs declares.
 */

/** What a name must look like: `rotation:after-` and a snake_case step. */
const FAILPOINT_NAME = /^rotation:after-[a-z][a-z0-9_]*$/;

/** The failpoint a step runner hits right after `step` was journaled. */
export function stepFailpoint(step: string): string {
  return `rotation:after-${step}`;
}

export interface Failpoints {
  /** Kills the process with SIGKILL when `name` is armed; otherwise returns at once. */
  hit(name: string): void;
}

/** A problem with the first malformed name, or undefined. */
export function checkFailpointSyntax(names: readonly string[]): string | undefined {
  const bad = names.find((name) => !FAILPOINT_NAME.test(name));
  return bad === undefined
    ? undefined
    : `malformed failpoint "${bad}" (expected rotation:after-<step>, the step in snake_case)`;
}

/** A problem with the first armed name no job declares, or undefined. */
export function checkFailpointNames(
  armed: readonly string[],
  declared: readonly string[],
): string | undefined {
  const unknown = armed.find((name) => !declared.includes(name));
  return unknown === undefined
    ? undefined
    : `unknown failpoint "${unknown}": no job this worker runs has that step (known: ${declared.join(', ') || 'none'})`;
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

/** For processes that run no steps (api, CLI) and for unit tests. */
export const NO_FAILPOINTS: Failpoints = { hit: () => undefined };

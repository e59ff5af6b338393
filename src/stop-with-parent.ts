/**
 * npm 11 runs `npx iam-pam …` as `sh -c iam-pam …`, and on SIGTERM passes the signal to that
 * shell only: the shell dies and this process would run on, reparented, with nobody left to
 * stop it. Started by npm, this process takes its parent's exit for a SIGTERM, sent to itself so
 * each command's own handling applies (the sandbox closes, a worker drains its jobs).
 */

/** How often the parent is looked at; a stop waits at most this long to begin. */
const EVERY_MS = 250;

export function stopWhenParentExits(
  proc: Pick<NodeJS.Process, 'ppid' | 'pid' | 'kill'>,
  everyMs = EVERY_MS,
): void {
  const parent = proc.ppid;
  const timer = setInterval(() => {
    if (proc.ppid !== parent) {
      clearInterval(timer);
      proc.kill(proc.pid, 'SIGTERM');
    }
  }, everyMs);
  // A command that is done exits whatever this watch would say.
  timer.unref();
}

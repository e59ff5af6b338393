/**
 * Pausing a test rotation before one of its steps, across processes: while `pause` exists the
 * run waits before `step` (test-worker.ts), and writes its pid to `paused` once it does.
 */
export function rotationPause(prefix: string) {
  return (step: string, userName: string) => ({
    pause: `{${prefix}}:test:pause:${step}:${userName.toLowerCase()}`,
    paused: `{${prefix}}:test:paused:${step}:${userName.toLowerCase()}`,
  });
}

/**
 * A run with a deadline (BullMQ has none): at `timeoutMs` the controller aborts with
 * TransientError `deadline_exceeded` and the run ends at once, whether or not the handler
 * honours its signal. A handler still running a moment later is a runaway: the caller is told,
 * so it keeps the IAM user's lease until the handler really stops rather than hand the user to
 * another job while IAM calls of the first may still be in flight.
 */
import { TransientError } from '../errors.ts';

export interface DeadlineOptions<T> {
  run: () => Promise<T>;
  /** Aborted at the deadline, or earlier by others (a lost lease): either ends the run. */
  controller: AbortController;
  timeoutMs: number;
  what: string;
  /** Called with the still-running handler, which ignored its abort. */
  onRunaway: (running: Promise<unknown>) => void;
  /** How long an aborted handler may take to stop before it counts as a runaway. */
  graceMs?: number;
}

export async function runWithDeadline<T>(options: DeadlineOptions<T>): Promise<T> {
  const { controller, timeoutMs } = options;
  const signal = controller.signal;
  const timer = setTimeout(() => {
    controller.abort(
      new TransientError(
        'deadline_exceeded',
        `${options.what} ran past its deadline of ${timeoutMs} ms and was aborted`,
      ),
    );
  }, timeoutMs);
  const running = options.run();
  let settled = false;
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([running, aborted]);
  } catch (err) {
    if (!signal.aborted) {
      throw err;
    }
    if (!settled) {
      await Promise.race([
        running.catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, options.graceMs ?? 1_000)),
      ]);
    }
    if (!settled) {
      options.onRunaway(running);
    }
    throw signal.reason as Error;
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * `--wait` on a queue that no worker serves would wait silently until its timeout. This says so
 * at once, with how to start one, and again every `everyMs` while it lasts; it says nothing
 * when a worker serves the queue or when nobody can tell.
 */

/** How often the notice repeats while no worker serves the queue. */
export const NO_WORKER_REMINDER_MS = 30_000;

export interface NoWorkerNoticeOptions {
  queue: string;
  /** True when a worker serves the queue; undefined when it cannot be known. */
  isServed: () => Promise<boolean | undefined>;
  say: (message: string) => void;
  everyMs?: number;
}

export function noticeWhileNoWorker(options: NoWorkerNoticeOptions): { stop(): void } {
  const { queue, say } = options;
  const started = Date.now();
  let stopped = false;
  let said = 0;
  const check = async () => {
    const served = await options.isServed().catch(() => undefined);
    if (stopped || served !== false) {
      return;
    }
    const how = `start one with "iam-pam worker" ("npx iam-pam worker" in a checkout) on the same REDIS_URL and IAM_PAM_PREFIX`;
    say(
      said === 0
        ? `no worker serves queue ${queue}: the job waits until one does; ${how}`
        : `still no worker serves queue ${queue} after ${Math.round((Date.now() - started) / 1000)} s; ${how}`,
    );
    said += 1;
  };
  void check();
  const timer = setInterval(() => void check(), options.everyMs ?? NO_WORKER_REMINDER_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

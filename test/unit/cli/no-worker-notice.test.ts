/** The notice `--wait` gives while no worker serves its queue: at once, then again, then not. */
import { describe, expect, it } from 'vitest';

import { noticeWhileNoWorker } from '../../../src/cli/no-worker-notice.ts';

/** Collects what the notice says; `next(n)` resolves once it has said n things. */
function listener() {
  const said: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    said,
    say(message: string) {
      said.push(message);
      for (const waiter of waiters.filter((w) => said.length >= w.n)) {
        waiter.resolve();
      }
    },
    next(n: number) {
      return new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        if (said.length >= n) {
          resolve();
        }
      });
    },
  };
}

describe('noticeWhileNoWorker', () => {
  it('says at once that no worker serves the queue and how to start one, then repeats it', async () => {
    const out = listener();
    const notice = noticeWhileNoWorker({
      queue: 'validate',
      isServed: async () => false,
      say: (m) => out.say(m),
      everyMs: 5,
    });
    await out.next(2);
    notice.stop();
    expect(out.said[0]).toMatch(
      /^no worker serves queue validate: the job waits until one does; start one with "iam-pam worker" .*same REDIS_URL and IAM_PAM_PREFIX$/,
    );
    expect(out.said[1]).toMatch(/^still no worker serves queue validate after \d+ s; start one/);
  });

  it('says nothing when a worker serves the queue, or when Redis cannot tell', async () => {
    for (const answer of [true, undefined]) {
      const out = listener();
      let checked: () => void = () => undefined;
      const checks = new Promise<void>((resolve) => (checked = resolve));
      let calls = 0;
      const notice = noticeWhileNoWorker({
        queue: 'validate',
        isServed: async () => {
          calls += 1;
          if (calls === 3) {
            checked();
          }
          return answer;
        },
        say: (m) => out.say(m),
        everyMs: 5,
      });
      await checks;
      notice.stop();
      expect(out.said).toEqual([]);
    }
  });

  it('stops saying anything once stopped', async () => {
    const out = listener();
    let release: (served: boolean) => void = () => undefined;
    const notice = noticeWhileNoWorker({
      queue: 'rotation',
      isServed: () => new Promise<boolean>((resolve) => (release = resolve)),
      say: (m) => out.say(m),
    });
    notice.stop();
    release(false);
    // Every promise callback has run by the next macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.said).toEqual([]);
  });
});

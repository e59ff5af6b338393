/**
 * Waits for a close (of workers, queues, connections) for at most `ms`; true when it finished
 * in time. When Redis is gone a close may never settle, and a stopping process must not hang
 * on it. The timer is cleared, so a quick close does not keep the process alive for the rest
 * of `ms`.
 */
export async function closeWithin(closing: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([closing.then(() => true), givenUp]);
  } finally {
    clearTimeout(timer);
  }
}

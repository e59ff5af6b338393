/**
 * When a lost CreateAccessKey could have created its key (DESIGN.md invariant 4): from the
 * moment it was sent to its own deadline, on IAM's clock. AWS's CreateDate is in whole seconds
 * and its clock is not ours, so each window is widened to whole seconds and by the clock skew
 * measured from IAM's Date headers. Pure.
 */
export interface Window {
  from: number;
  to: number;
}

const SECOND = 1_000;

export function createWindow(sentAt: Date, deadlineMs: number, skewMs: number): Window {
  const skew = Math.abs(skewMs);
  return {
    from: Math.floor((sentAt.getTime() - skew) / SECOND) * SECOND,
    to: Math.ceil((sentAt.getTime() + deadlineMs + skew) / SECOND) * SECOND,
  };
}

export function inAnyWindow(createdAt: Date | undefined, windows: readonly Window[]): boolean {
  if (createdAt === undefined) {
    return false;
  }
  const t = createdAt.getTime();
  return windows.some((w) => t >= w.from && t <= w.to);
}

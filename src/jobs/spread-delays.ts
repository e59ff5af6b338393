/**
 * How a sweep spreads its jobs over a period: the period is cut into one slot per job and each
 * job gets a random moment inside its own slot (stratified jitter). No two jobs crowd into the
 * same second unless the slots are that small, the gap between neighbours never exceeds two
 * slots, and an account keeps its place in the order from one sweep to the next, so each is
 * checked about once per period.
 */
export function spreadDelays(count: number, periodMs: number, random: () => number): number[] {
  if (count <= 0) {
    return [];
  }
  const slotMs = Math.max(0, periodMs) / count;
  return Array.from({ length: count }, (_, index) => Math.floor((index + random()) * slotMs));
}

/**
 * When the `tag` step may trust `plan`'s ListUserTags instead of reading the user's tags again
 * (one IAM call less per rotation: 8 plus the verify polls with GetAccessKeyLastUsed allowed).
 *
 * The read exists so that a retry changes nothing (DESIGN.md "Rotation, step by step"): a tag
 * step that may have sent TagUser before — its response lost, its worker killed — looks first.
 * A tag step that never ran cannot find its tag: the key it names did not exist when `plan`
 * read the tags, and nobody but this rotation knows it is ours. So the read is skipped only for
 * the first tag attempt of the very run that planned (remembered in this process, per run's
 * ports, taken before TagUser goes out so a second attempt in the same run reads), and only
 * while plan's read is recent; a resumed run, another worker or a retry always reads first.
 * Nothing is lost by the skip: TagUser with the same key overwrites, and a tag quota filled
 * meanwhile by someone else fails TagUser just as it would after a read.
 */
import type { Journal } from '../journal.ts';
import type { RotationPorts } from '../rotation-kind.ts';

/** How old plan's read of the tags may be for the first tag attempt to rely on it. */
export const PLAN_TAG_READ_FRESH_MS = 5 * 60_000;

export interface TagReadSkip {
  /** `plan` read the tags in this run (called as it finishes). */
  planned(ports: RotationPorts, rotationId: string): void;
  /** True once, for the first tag attempt of the run that planned, while plan's read is recent. */
  takeFirstAttempt(ports: RotationPorts, journal: Journal): boolean;
}

export function createTagReadSkip(): TagReadSkip {
  // Keyed by the run's ports object: gone with the run, never shared between processes.
  const plannedIn = new WeakMap<RotationPorts, string>();
  return {
    planned(ports, rotationId) {
      plannedIn.set(ports, rotationId);
    },
    takeFirstAttempt(ports, journal) {
      const rotationId = plannedIn.get(ports);
      plannedIn.delete(ports);
      const planAt = journal.steps.find((s) => s.step === 'plan')?.at;
      return (
        rotationId === journal.rotationId &&
        planAt !== undefined &&
        ports.now().getTime() - Date.parse(planAt) <= PLAN_TAG_READ_FRESH_MS
      );
    },
  };
}

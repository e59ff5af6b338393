/**
 * What discovery and heartbeat need from rotations, as two narrow ports: the journal says
 * whether a rotation is open, and a rotation can be requested. The rotation issues implement
 * them (the journal and the `rotate` job); until then production wires "none open" and
 * "not available yet" (src/app/production-jobs.ts).
 */
import type { AccountRef } from '../accounts/account-ref.ts';
import type { EnqueuedJob } from './define-job.ts';

/** The account's open rotation journal, if any: a heartbeat then says `rotation_in_progress`. */
export type OpenRotation = (
  account: AccountRef,
) => Promise<{ rotationId: string; step: string } | undefined>;

/**
 * Asks for a rotation of the account (`reason` e.g. `heartbeat:key_missing`); undefined when
 * none was enqueued (rotation unavailable or refused). `delayMs` (the rotation sweep's spread)
 * asks for the rotation to start no earlier than that; an implementation passes it on to the
 * enqueue of `rotate`.
 */
export type RequestRotation = (
  account: AccountRef,
  reason: string,
  options?: { delayMs?: number },
) => Promise<EnqueuedJob | undefined>;

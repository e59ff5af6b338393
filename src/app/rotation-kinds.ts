/**
 * The rotation kinds production runs, in one place: the workers' `rotate` job dispatches to
 * them and `rotate --abandon` calls their hooks. The access-key and password rotations add
 * themselves here; until then every kind fails with `not_implemented`.
 */
import type { RotationKinds } from '../jobs/rotate/handler.ts';

export const PRODUCTION_ROTATION_KINDS: RotationKinds = {};

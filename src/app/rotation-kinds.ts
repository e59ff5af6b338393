/**
 * The rotation kinds production runs, in one place: the workers' `rotate` job dispatches to
 * them and `rotate --abandon` calls their hooks. A kind not listed fails with
 * `not_implemented` (the password rotation adds itself here).
 */
import { createAccessKeyKind } from '../jobs/rotate/access-key/kind.ts';
import type { RotationKinds } from '../jobs/rotate/handler.ts';
import { accessKeyRotationDeps, type AccessKeyRotationWiring } from './access-key-rotation.ts';

export function productionRotationKinds(wiring: AccessKeyRotationWiring): RotationKinds {
  return { 'access-key': createAccessKeyKind(accessKeyRotationDeps(wiring)) };
}

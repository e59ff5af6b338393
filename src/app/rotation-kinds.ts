/**
 * The rotation kinds production runs, in one place: the workers' `rotate` job dispatches to
 * them and `rotate --abandon` calls their hooks. Both kinds read the provider and the account
 * through the same wiring (access-key-rotation.ts).
 */
import { createAccessKeyKind } from '../jobs/rotate/access-key/kind.ts';
import type { RotationKinds } from '../jobs/rotate/handler.ts';
import { createPasswordKind } from '../jobs/rotate/password/kind.ts';
import { accessKeyRotationDeps, type AccessKeyRotationWiring } from './access-key-rotation.ts';

export function productionRotationKinds(wiring: AccessKeyRotationWiring): RotationKinds {
  const deps = accessKeyRotationDeps(wiring);
  return {
    'access-key': createAccessKeyKind(deps),
    password: createPasswordKind({
      accounts: deps.accounts,
      providerOf: (id) => deps.providerOf(id),
    }),
  };
}

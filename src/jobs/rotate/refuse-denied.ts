/**
 * A rotation's first refusal (DESIGN.md invariant 8): an action the provider's last validation
 * found denied means the rotation could not finish, so `plan` stops before anything changes,
 * naming what to grant. Shared by every kind; each names the actions it calls.
 */
import { PermanentError } from '../../errors.ts';

export function refuseDeniedActions(
  account: string,
  denied: readonly string[],
  needed: readonly string[],
  what: string,
): void {
  const missing = needed.filter((action) => denied.includes(action));
  if (missing.length > 0) {
    throw new PermanentError(
      'permission_denied',
      `${account}: the provider's last validation found ${missing.join(', ')} denied, which ${what} needs; grant ${missing.length === 1 ? 'it' : 'them'} to the provider's principal and validate again. Nothing was changed`,
      { detail: { denied: missing } },
    );
  }
}

/**
 * One call through a provider's gateway, signed with the provider's credential as it is at that
 * moment (DESIGN.md "The provider's own key"). The call is registered as in flight with its key
 * (queue/signing-registry.ts) for as long as it runs, so that deactivating that key waits for
 * it; a process that just made its entry visible re-checks the version first, since a
 * deactivation may have looked before the entry existed. An auth error (InvalidClientTokenId,
 * SignatureDoesNotMatch) from a call signed with a version that has been superseded meanwhile
 * is retried at once with the current one — IAM refused the request before acting on it — and
 * stays permanent (`provider_credential_invalid`) when the current version itself is refused.
 * A deactivation (UpdateAccessKey Inactive) first waits until no call signed with that key is
 * in flight in any process, up to a timeout; its receipt says what it waited for.
 */
import { isAppError, TransientError } from '../errors.ts';
import type { DrainOutcome, SigningRegistry } from '../queue/signing-registry.ts';
import type { IamGateway } from './iam-gateway.ts';

export interface SignedCallDeps {
  /** The gateway of the provider's current credential version, that version and its key id. */
  current(
    providerId: string,
  ): Promise<{ gateway: IamGateway; version: string; signingKeyId: string | undefined }>;
  /** The provider's credential version now (not cached). */
  versionNow(providerId: string): Promise<string>;
  /** Absent: calls are not registered and deactivations do not wait (unit tests). */
  signing: SigningRegistry | undefined;
  /** How long a deactivation waits for the calls in flight signed with the key. */
  drainTimeoutMs: number;
  onDrainTimeout?: (accessKeyId: string, outcome: DrainOutcome) => void;
}

/** Retries of one call after its key was superseded (a second promotion meanwhile is rare). */
const SUPERSEDED_RETRIES = 3;

export async function signedCall(
  deps: SignedCallDeps,
  providerId: string,
  method: keyof IamGateway,
  args: unknown[],
): Promise<unknown> {
  const drain = await drainBeforeDeactivation(deps, method, args);
  for (let attempt = 0; ; attempt += 1) {
    const { gateway, version, signingKeyId } = await deps.current(providerId);
    const hold =
      signingKeyId === undefined || deps.signing === undefined
        ? undefined
        : await deps.signing.hold(signingKeyId);
    try {
      if (
        hold?.announced === true &&
        attempt < SUPERSEDED_RETRIES &&
        (await deps.versionNow(providerId)) !== version
      ) {
        continue; // promoted while the entry was being written: sign with the new key
      }
      const result = await (gateway[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      return drain === undefined ? result : { ...(result as object), inFlightDrain: drain };
    } catch (err) {
      if (
        !isAppError(err) ||
        err.code !== 'provider_credential_invalid' ||
        (await deps.versionNow(providerId)) === version
      ) {
        throw err;
      }
      // Signed with a key that was replaced meanwhile: the current one will do.
      if (attempt < SUPERSEDED_RETRIES) {
        continue;
      }
      throw new TransientError(
        'provider_key_superseded',
        `provider "${providerId}": the call was signed with a superseded key; retrying with the current one`,
        { cause: err },
      );
    } finally {
      hold?.release();
    }
  }
}

async function drainBeforeDeactivation(
  deps: SignedCallDeps,
  method: keyof IamGateway,
  args: unknown[],
): Promise<DrainOutcome | undefined> {
  if (method !== 'updateAccessKeyStatus' || args[2] !== 'Inactive' || deps.signing === undefined) {
    return undefined;
  }
  const accessKeyId = String(args[1]);
  const outcome = await deps.signing.drain(accessKeyId, deps.drainTimeoutMs);
  if (outcome.timedOut) {
    deps.onDrainTimeout?.(accessKeyId, outcome);
  }
  return outcome.heldBy.length === 0 ? undefined : outcome;
}

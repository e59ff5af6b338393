/**
 * One call signed with the provider's credential as it is now (src/iam/signed-call.ts), on
 * fakes: an auth error from a superseded version is retried at once with the current one; from
 * the current version it stays permanent; a process that just made its entry visible re-checks
 * the version; a deactivation waits for the key's calls in flight and its receipt says so.
 */
import { describe, expect, it } from 'vitest';

import { PermanentError } from '../../../src/errors.ts';
import type { IamGateway } from '../../../src/iam/iam-gateway.ts';
import { signedCall, type SignedCallDeps } from '../../../src/iam/signed-call.ts';
import type { DrainOutcome, SigningRegistry } from '../../../src/queue/signing-registry.ts';

const authError = () =>
  new PermanentError('provider_credential_invalid', 'GetUser: InvalidClientTokenId: unknown key', {
    detail: { awsCode: 'InvalidClientTokenId' },
  });

/** A provider whose key is `keys[version]`; `calls` names the key each call was signed with. */
function world(options: { refused?: Set<string>; announced?: boolean; drain?: DrainOutcome }) {
  const state = { version: 0 };
  const calls: string[] = [];
  const holds: string[] = [];
  const gatewayOf = (key: string) =>
    ({
      async getUser(userName: string) {
        calls.push(key);
        if (options.refused?.has(key)) {
          throw authError();
        }
        return { userName };
      },
      async updateAccessKeyStatus() {
        calls.push(key);
        return { requestId: 'r1' };
      },
    }) as unknown as IamGateway;
  const signing: Pick<SigningRegistry, 'hold' | 'drain'> = {
    async hold(keyId) {
      holds.push(keyId);
      return { announced: options.announced ?? false, release: () => undefined };
    },
    drain: async () => options.drain ?? { heldBy: [], waitedMs: 0, timedOut: false },
  };
  const deps: SignedCallDeps = {
    async current() {
      const key = `AKIA${state.version}`;
      return { gateway: gatewayOf(key), version: String(state.version), signingKeyId: key };
    },
    versionNow: async () => String(state.version),
    signing: signing as SigningRegistry,
    drainTimeoutMs: 1_000,
  };
  return { state, calls, holds, deps };
}

/** The key is promoted right after the first call looked up the credential. */
function promoteAfterFirstLookUp(w: ReturnType<typeof world>) {
  const lookUp = w.deps.current;
  let first = true;
  w.deps.current = async (id) => {
    const now = await lookUp(id);
    if (first) {
      first = false;
      w.state.version = 1;
    }
    return now;
  };
}

describe('a call signed with the provider’s credential', () => {
  it('retries an auth error from a superseded version with the current one', async () => {
    const w = world({ refused: new Set(['AKIA0']) });
    promoteAfterFirstLookUp(w);
    await expect(signedCall(w.deps, 'prod', 'getUser', ['bob'])).resolves.toEqual({
      userName: 'bob',
    });
    expect(w.calls).toEqual(['AKIA0', 'AKIA1']);
    expect(w.holds).toEqual(['AKIA0', 'AKIA1']);
  });

  it('keeps an auth error from the current version permanent', async () => {
    const w = world({ refused: new Set(['AKIA0']) });
    await expect(signedCall(w.deps, 'prod', 'getUser', ['bob'])).rejects.toMatchObject({
      code: 'provider_credential_invalid',
    });
    expect(w.calls).toEqual(['AKIA0']);
  });

  it('re-checks the version after making its entry visible, and signs with the new key', async () => {
    const w = world({ announced: true });
    promoteAfterFirstLookUp(w);
    await signedCall(w.deps, 'prod', 'getUser', ['bob']);
    expect(w.calls).toEqual(['AKIA1']);
  });

  it('waits for the calls in flight before a deactivation, and its receipt says so', async () => {
    const drain = {
      heldBy: ['host:1:ab'],
      waitedMs: 1_000,
      timedOut: true,
      stillInFlight: ['host:1:ab'],
    };
    const w = world({ drain });
    await expect(
      signedCall(w.deps, 'prod', 'updateAccessKeyStatus', ['bob', 'AKIAOLD', 'Inactive']),
    ).resolves.toEqual({ requestId: 'r1', inFlightDrain: drain });
    const quiet = world({});
    await expect(
      signedCall(quiet.deps, 'prod', 'updateAccessKeyStatus', ['bob', 'AKIAOLD', 'Inactive']),
    ).resolves.toEqual({ requestId: 'r1' });
  });
});

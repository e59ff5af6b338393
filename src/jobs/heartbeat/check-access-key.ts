/**
 * An access key's heartbeat. `sts:GetCallerIdentity` signed with the vault's current secret
 * is the proof: an answer with the account's UserId means the key exists, is Active, the
 * secret is right and the user was not recreated. One ListAccessKeys then looks for keys that
 * are not ours (the vault's previous key during an overlap or grace is ours). Only when STS
 * refuses the key, or no secret is stored, do more reads say why.
 */
import { type AccountRecord } from '../../accounts/account-store.ts';
import { canonicalRef } from '../../accounts/account-ref.ts';
import { isAppError } from '../../errors.ts';
import type { CredentialVerifier, IamGateway } from '../../iam/iam-gateway.ts';
import type { SecretStore } from '../../vault/secret-store.ts';
import { readOrVerdict, withReadVerdicts } from './read-verdicts.ts';
import type { Finding } from './verdicts.ts';

export interface AccessKeyCheckDeps {
  gateway: IamGateway;
  verifier: CredentialVerifier;
  vault: Pick<SecretStore, 'read' | 'versions'>;
}

/** STS's answer for a key it does not accept (unknown, deleted, Inactive, wrong secret). */
function refusedBySts(err: unknown): string | undefined {
  if (
    isAppError(err) &&
    (err.code === 'new_key_not_yet_valid' || err.code === 'provider_credential_invalid')
  ) {
    const awsCode = err.detail?.awsCode;
    return typeof awsCode === 'string' ? awsCode : err.code;
  }
  return undefined;
}

const keyList = (keys: Array<{ accessKeyId: string; status: string }>) =>
  keys.map((k) => `${k.accessKeyId} (${k.status})`).join(', ') || 'none';

/** Why STS refused the key, or what IAM says of a key whose secret we do not hold. */
async function diagnose(
  deps: AccessKeyCheckDeps,
  account: AccountRecord,
  signing: { accessKeyId: string; refusedWith: string } | undefined,
): Promise<Finding> {
  const name = account.userName;
  const user = await readOrVerdict(name, () => deps.gateway.getUser(name));
  if (user.userId !== account.userId) {
    return {
      verdict: 'user_recreated',
      detail: `IAM's user ${user.userName} has UserId ${user.userId}, not ${account.userId} as at import: it was deleted and recreated, and is another principal`,
    };
  }
  const keys = await readOrVerdict(name, () => deps.gateway.listAccessKeys(user.userName));
  const keyId = signing?.accessKeyId ?? account.currentAccessKeyId;
  if (keyId === undefined) {
    return {
      verdict: 'key_missing',
      detail: `the account has no key yet (user ${user.userName} had none at import; keys now: ${keyList(keys)}); a rotation creates the first one`,
    };
  }
  const key = keys.find((k) => k.accessKeyId === keyId);
  if (key === undefined) {
    return {
      verdict: 'key_missing',
      accessKeyId: keyId,
      detail: `key ${keyId} is not among user ${user.userName}'s keys (${keyList(keys)}): it was deleted outside iam-pam`,
    };
  }
  if (key.status !== 'Active') {
    return {
      verdict: 'key_inactive',
      accessKeyId: keyId,
      detail: `key ${keyId} is ${key.status} in IAM: nothing signed with it works`,
    };
  }
  if (signing === undefined) {
    return {
      verdict: 'secret_unknown',
      accessKeyId: keyId,
      detail: `key ${keyId} is Active, but the vault holds no secret for it (imported without adopting it); adopt it (account add --adopt-secret-stdin) or rotate`,
    };
  }
  return {
    verdict: 'secret_invalid',
    accessKeyId: keyId,
    detail: `STS refused key ${keyId} (${signing.refusedWith}) though IAM lists it Active: the stored secret is not the key's`,
  };
}

/** Every key id the vault holds for the account, whatever its stage: those keys are ours. */
async function ourKeyIds(deps: AccessKeyCheckDeps, owner: string): Promise<Set<string>> {
  const versions = await deps.vault.versions(owner);
  return new Set(
    versions
      .filter((v) => v.stages.length > 0 && v.accessKeyId !== undefined)
      .map((v) => v.accessKeyId as string),
  );
}

export async function checkAccessKey(
  deps: AccessKeyCheckDeps,
  account: AccountRecord,
): Promise<Finding> {
  const owner = canonicalRef(account);
  const secret = await deps.vault.read(owner, 'current');
  const signing = secret !== undefined && 'secretAccessKey' in secret ? secret : undefined;
  return withReadVerdicts(async () => {
    if (signing === undefined) {
      return diagnose(deps, account, undefined);
    }
    let identity;
    try {
      identity = await deps.verifier.verify({
        accessKeyId: signing.accessKeyId,
        secretAccessKey: signing.secretAccessKey,
      });
    } catch (err) {
      const refusedWith = refusedBySts(err);
      if (refusedWith === undefined) {
        throw err;
      }
      return diagnose(deps, account, { accessKeyId: signing.accessKeyId, refusedWith });
    }
    if (identity.userId !== account.userId) {
      return {
        verdict: 'user_recreated',
        accessKeyId: signing.accessKeyId,
        detail: `key ${signing.accessKeyId} signs as ${identity.arn} with UserId ${identity.userId}, not the UserId ${account.userId} the account was imported with`,
      };
    }
    const keys = await readOrVerdict(account.userName, () =>
      deps.gateway.listAccessKeys(account.userName),
    );
    const others = keys.filter((k) => k.accessKeyId !== signing.accessKeyId);
    // The vault is asked which of the others are ours only when there are others.
    const ours = others.length > 0 ? await ourKeyIds(deps, owner) : new Set<string>();
    const foreign = others.filter((k) => !ours.has(k.accessKeyId));
    if (foreign.length > 0) {
      return {
        verdict: 'foreign_key_present',
        accessKeyId: signing.accessKeyId,
        foreignKeys: foreign.map((k) => ({ accessKeyId: k.accessKeyId, status: k.status })),
        detail: `key ${signing.accessKeyId} works, but user ${account.userName} also has a key iam-pam does not manage: ${keyList(foreign)}`,
      };
    }
    return {
      verdict: 'in_sync',
      accessKeyId: signing.accessKeyId,
      detail: `key ${signing.accessKeyId} works (STS answered as ${identity.arn}) and is the user's only key besides ours`,
    };
  });
}

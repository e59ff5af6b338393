/**
 * What the rotation steps print about one rotation, all read from what really happened: the
 * job's result (old and new key ids, the journaled steps and their times) and the sandbox's
 * request log (the IAM calls made for that user while it ran).
 */
import { type AccountRef, canonicalRef, displayRef } from '../../accounts/account-ref.ts';
import type { RequestLogEntry } from '../../sandbox/admin/request-log.ts';
import type { Sandbox } from '../../sandbox/create-sandbox.ts';
import type { SecretStore } from '../../vault/secret-store.ts';

export interface RotationResult {
  account: string;
  kind?: string;
  oldAccessKeyId?: string;
  newAccessKeyId?: string;
  /** A password's: what IAM was asked, and the vault version AWS now holds. */
  loginProfile?: 'created' | 'updated';
  vaultVersionId?: string;
  steps: Array<{ step: string; ms: number }>;
}

/** `plan 12 ms → intent 3 ms → …` */
export function describeSteps(result: RotationResult): string {
  return result.steps.map(({ step, ms }) => `${step} ${ms} ms`).join(' → ');
}

/**
 * `key AKIA… → AKIA…` (or the first managed key when there was none); for a password, `login
 * profile updated, vault version 1b2c…` (the version, never the password).
 */
export function describeKeys(result: RotationResult): string {
  if (result.loginProfile !== undefined) {
    return `login profile ${result.loginProfile}, vault version ${result.vaultVersionId ?? '?'}`;
  }
  return `key ${result.oldAccessKeyId ?? '(none)'} → ${result.newAccessKeyId ?? '(none)'}`;
}

/**
 * Whether the vault's current password is the one the sandbox holds (read through its admin
 * view, as only a sandbox allows): `the vault's password is the one IAM holds`, or throws.
 */
export async function checkPasswordHeld(
  demo: { sandbox: Sandbox; domain: { vault: Pick<SecretStore, 'read'> } },
  ref: AccountRef,
): Promise<string> {
  const current = await demo.domain.vault.read(canonicalRef(ref), 'current');
  const held = demo.sandbox.user(ref.userName)?.loginProfile?.password;
  if (current === undefined || !('password' in current) || held !== current.password) {
    throw new Error(`${displayRef(ref)}: the vault's current password is not the one IAM holds`);
  }
  return "the vault's current password is the one the sandbox holds";
}

/**
 * The IAM calls made for `userName` since `since` (and the account's password policy, which a
 * password rotation reads), by action: `ListAccessKeys ×2, …`.
 */
export function userCalls(sandbox: Sandbox, userName: string, since: number): RequestLogEntry[] {
  return sandbox
    .requests(since)
    .filter((r) => r.params.UserName === userName || r.action === 'GetAccountPasswordPolicy');
}

export function describeCalls(calls: RequestLogEntry[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const action = call.action ?? '(unknown)';
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  return [...counts].map(([action, n]) => (n === 1 ? action : `${action} ×${n}`)).join(', ');
}

/** The user's keys in the sandbox now: `AKIA… Active`. */
export function describeSandboxKeys(sandbox: Sandbox, ref: AccountRef): string {
  const keys = sandbox.user(ref.userName)?.accessKeys ?? [];
  return keys.map((key) => `${key.accessKeyId} ${key.status}`).join(', ') || '(none)';
}

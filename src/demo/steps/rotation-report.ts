/**
 * What the rotation steps print about one rotation, all read from what really happened: the
 * job's result (old and new key ids, the journaled steps and their times) and the sandbox's
 * request log (the IAM calls made for that user while it ran).
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { RequestLogEntry } from '../../sandbox/admin/request-log.ts';
import type { Sandbox } from '../../sandbox/create-sandbox.ts';

export interface RotationResult {
  account: string;
  oldAccessKeyId?: string;
  newAccessKeyId?: string;
  steps: Array<{ step: string; ms: number }>;
}

/** `plan 12 ms → intent 3 ms → …` */
export function describeSteps(result: RotationResult): string {
  return result.steps.map(({ step, ms }) => `${step} ${ms} ms`).join(' → ');
}

/** `key AKIA… → AKIA…` (or the first managed key when there was none). */
export function describeKeys(result: RotationResult): string {
  return `key ${result.oldAccessKeyId ?? '(none)'} → ${result.newAccessKeyId ?? '(none)'}`;
}

/** The IAM calls made for `userName` since `since`, by action: `ListAccessKeys ×2, …`. */
export function userCalls(sandbox: Sandbox, userName: string, since: number): RequestLogEntry[] {
  return sandbox.requests(since).filter((r) => r.params.UserName === userName);
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

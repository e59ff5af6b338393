/**
 * Runs a heartbeat: an open rotation is `rotation_in_progress` (nothing is read), otherwise the
 * account's kind is checked against AWS (reads only: a heartbeat never changes AWS). The verdict
 * and the account's status are recorded; an out-of-sync verdict emits `heartbeat.verdict` and,
 * with `onOutOfSync: rotate`, asks for a rotation where one fixes it. A read cut short (throttled,
 * unreachable) gives no verdict: the error goes on and the job retries.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { AccountRecord, AccountStatus, AccountStore } from '../../accounts/account-store.ts';
import { withAbortSignal } from '../../iam/abortable-gateway.ts';
import type { CredentialVerifier, IamGateway } from '../../iam/iam-gateway.ts';
import type { ProviderStore } from '../../providers/provider-store.ts';
import type { SecretStore } from '../../vault/secret-store.ts';
import type { EnqueuedJob, JobHandler } from '../define-job.ts';
import type { OpenRotation, RequestRotation } from '../rotation-ports.ts';
import { checkAccessKey } from './check-access-key.ts';
import { checkPassword } from './check-password.ts';
import type { heartbeat } from './contract.ts';
import { type Finding, isOutOfSync, ROTATION_FIXES, type Verdict } from './verdicts.ts';

export interface HeartbeatDeps {
  accounts: Pick<AccountStore, 'require' | 'update'>;
  providers: Pick<ProviderStore, 'require'>;
  vault: Pick<SecretStore, 'read' | 'versions' | 'versionIdAt'>;
  gatewayFor(provider: string): IamGateway;
  verifierFor(provider: string): CredentialVerifier;
  /** Wired to the rotation journal (a journal open: `rotation_in_progress`). */
  openRotation: OpenRotation;
  /** Wired to the `rotate` job (`onOutOfSync: rotate`). */
  requestRotation: RequestRotation;
  /** Told of every verdict (metrics). */
  observe?: (provider: string, verdict: Verdict) => void;
}

/** DESIGN.md's account status after a verdict. */
function statusAfter(verdict: Verdict, account: AccountRecord): AccountStatus {
  if (verdict === 'rotation_in_progress') {
    return 'rotating';
  }
  if (isOutOfSync(verdict) || account.lastRotation?.state === 'failed') {
    return 'needs_attention';
  }
  return 'managed';
}

export function createHeartbeatHandler(deps: HeartbeatDeps): JobHandler<typeof heartbeat> {
  return async ({ provider, userName, kind }, ctx) => {
    const ref: AccountRef = { provider, userName, kind };
    const account = await deps.accounts.require(ref);
    const gateway = withAbortSignal(deps.gatewayFor(provider), ctx.signal);
    const open = await deps.openRotation(ref);
    const finding: Finding =
      open !== undefined
        ? {
            verdict: 'rotation_in_progress',
            detail: `rotation ${open.rotationId} is open at step ${open.step}; the account is checked once it ends`,
          }
        : kind === 'access-key'
          ? await checkAccessKey(
              { gateway, verifier: deps.verifierFor(provider), vault: deps.vault },
              account,
            )
          : await checkPassword({ gateway, vault: deps.vault }, account);
    const { verdict, detail } = finding;
    const at = new Date().toISOString();
    await deps.accounts.update(ref, {
      lastHeartbeat: { verdict, at, detail },
      status: statusAfter(verdict, account),
    });
    deps.observe?.(provider, verdict);

    let rotation: EnqueuedJob | undefined;
    if (isOutOfSync(verdict)) {
      // The policy is read when it matters: an in-sync sweep costs one Redis read less per key.
      const { policy } = await deps.providers.require(provider);
      if (policy.onOutOfSync === 'rotate' && ROTATION_FIXES.has(verdict)) {
        rotation = await deps.requestRotation(ref, `heartbeat:${verdict}`);
      }
      await ctx.emit({
        type: 'heartbeat.verdict',
        account: account.account,
        detail: { ...finding, ...(rotation === undefined ? {} : { rotation }) },
      });
    }
    // A sweep runs one per account: only what needs someone's attention is worth a line.
    ctx.log[verdict === 'in_sync' ? 'debug' : 'info'](
      { account: account.account, verdict },
      'heartbeat verdict',
    );
    return {
      account: account.account,
      kind,
      ...finding,
      at,
      ...(rotation === undefined ? {} : { rotation }),
    };
  };
}

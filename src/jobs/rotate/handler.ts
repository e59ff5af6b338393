/**
 * The one `rotate` handler: dispatches by the account's kind to the kind's declared steps
 * (rotation-kind.ts) on the step runner. A kind no issue has written yet fails permanently with
 * `not_implemented` before anything is read or changed. (The old key's delayed retirement jobs
 * are the access-key rotation's: access-key/old-key-jobs.ts.)
 */
import { type AccountRef, canonicalRef } from '../../accounts/account-ref.ts';
import type { AccountStore } from '../../accounts/account-store.ts';
import { PermanentError } from '../../errors.ts';
import type { AccountKind } from '../../identifiers.ts';
import type { SecretStore } from '../../vault/secret-store.ts';
import type { JobContext, JobHandler } from '../define-job.ts';
import type { rotate } from './contract.ts';
import type { JournalStore, JournalWriter } from './journal.ts';
import type { RotationKind, RotationPorts } from './rotation-kind.ts';
import { failpointsOf, runRotation } from './step-runner.ts';

export type RotationKinds = Partial<Record<AccountKind, RotationKind>>;

export interface RotateDeps {
  /** The kinds written so far; the others fail with `not_implemented`. */
  kinds: RotationKinds;
  accounts: Pick<AccountStore, 'require' | 'update'>;
  journals: JournalStore;
  vault: SecretStore;
  newRotationId: () => string;
}

export function notImplemented(kind: string): PermanentError {
  return new PermanentError(
    'not_implemented',
    `rotation of ${kind} accounts is not implemented yet; nothing was read or changed`,
  );
}

/** The failpoints every declared kind's steps give (`rotation:after-<step>`). */
export function rotationFailpoints(kinds: RotationKinds): string[] {
  return [...new Set(Object.values(kinds).flatMap((kind) => failpointsOf(kind)))];
}

/** The journal writer and the ports of a run holding the user's lease. */
export function rotationPortsOf(
  ctx: JobContext,
  vault: SecretStore,
): { writer: JournalWriter; ports: RotationPorts } {
  const { fence, actor } = ctx.scope;
  if (fence === undefined) {
    throw new Error(`job ${ctx.jobId}: a rotation runs only under its IAM user's lease`);
  }
  return {
    writer: { fence, actor, jobId: ctx.jobId },
    ports: {
      iam: ctx.scope.iam,
      verifier: ctx.scope.verifier,
      vault,
      vaultWrite: { actor, fence, jobId: ctx.jobId },
      now: () => new Date(),
      log: ctx.log,
      signal: ctx.signal,
    },
  };
}

export function createRotateHandler(deps: RotateDeps): JobHandler<typeof rotate> {
  return async (payload, ctx) => {
    const account: AccountRef = {
      provider: payload.provider,
      userName: payload.userName,
      kind: payload.kind,
    };
    const kind = deps.kinds[payload.kind];
    if (kind === undefined) {
      throw notImplemented(payload.kind);
    }
    await deps.accounts.require(account);
    // What an earlier run sent and never saw answered: its steps now find out from IAM.
    await ctx.scope.settleLeftovers(canonicalRef(account));
    const { writer, ports } = rotationPortsOf(ctx, deps.vault);
    // `rotating` while its journal is open (DESIGN.md "Account status").
    await deps.accounts.update(account, { status: 'rotating' });
    try {
      const result = await runRotation(kind, {
        account,
        reason: payload.reason ?? 'manual',
        jobId: ctx.jobId,
        journals: deps.journals,
        writer,
        ports,
        failpoints: ctx.scope.failpoints,
        emit: ctx.emit,
        progress: (progress) => ctx.progress(progress),
        attachState: (snapshot) => ctx.attachState(snapshot),
        newRotationId: deps.newRotationId,
      });
      await deps.accounts.update(account, {
        status: 'managed',
        lastRotation: { state: 'succeeded', at: new Date().toISOString(), jobId: ctx.jobId },
      });
      return result;
    } catch (err) {
      if (err instanceof PermanentError) {
        // Failed for good into the dead-letter, its journal open for a replay or an abandon.
        await deps.accounts.update(account, {
          status: 'needs_attention',
          lastRotation: { state: 'failed', at: new Date().toISOString(), jobId: ctx.jobId },
        });
        await ctx.emit({
          type: 'rotation.failed',
          account: canonicalRef(account),
          detail: { reason: err.code, kind: payload.kind },
        });
      }
      throw err;
    }
  };
}

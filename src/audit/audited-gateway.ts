/**
 * Wraps an IAM gateway so every mutation is audited (DESIGN.md invariant 9): time, provider,
 * user, action, key id, AWS request id, job id and outcome. The `attempted` entry is written
 * before the call goes out, so a worker killed mid-call leaves a trace; the call is then
 * settled by a second entry: `succeeded`, `failed`, or `unknown` when its response was lost
 * (it may have been applied). What is not settled for certain stays listed as unsettled until
 * a resumed run of the account settles it (`settleLeftovers`).
 */
import { AppError, TransientError } from '../errors.ts';
import type {
  AccessKey,
  IamGateway,
  LoginProfileOptions,
  MutationReceipt,
} from '../iam/iam-gateway.ts';
import type { AccountKind } from '../identifiers.ts';
import { accountKey } from '../keys.ts';
import type { AuditLog } from './audit-log.ts';
import type { UnsettledMutations } from './unsettled-mutations.ts';

export interface AuditContext {
  actor: string;
  provider: string;
  jobId?: string | undefined;
}

type Mutation =
  | 'createAccessKey'
  | 'updateAccessKeyStatus'
  | 'deleteAccessKey'
  | 'tagUser'
  | 'untagUser'
  | 'createLoginProfile'
  | 'updateLoginProfile';

/** Which account kind each mutation concerns (audit entries name canonical account references). */
const KIND_OF: Record<Mutation, AccountKind> = {
  createAccessKey: 'access-key',
  updateAccessKeyStatus: 'access-key',
  deleteAccessKey: 'access-key',
  tagUser: 'access-key',
  untagUser: 'access-key',
  createLoginProfile: 'password',
  updateLoginProfile: 'password',
};

const ACTION_NAMES: Record<Mutation, string> = {
  createAccessKey: 'CreateAccessKey',
  updateAccessKeyStatus: 'UpdateAccessKey',
  deleteAccessKey: 'DeleteAccessKey',
  tagUser: 'TagUser',
  untagUser: 'UntagUser',
  createLoginProfile: 'CreateLoginProfile',
  updateLoginProfile: 'UpdateLoginProfile',
};

/** Errors after which the request may have been applied: no answer, or not a clear one. */
const LOST_RESPONSE = new Set(['iam_unreachable', 'iam_unavailable', 'deadline_exceeded']);

function responseLost(err: unknown): boolean {
  if (err instanceof TransientError) {
    return LOST_RESPONSE.has(err.code);
  }
  // An abort or an unclassified failure mid-call: nobody knows.
  return !(err instanceof AppError);
}

/** A password's entries name the vault version sent (never the password). */
function versionDetail(options: LoginProfileOptions | undefined) {
  return options?.vaultVersionId === undefined
    ? undefined
    : { vaultVersionId: options.vaultVersionId };
}

export function createAuditedGateway(
  gateway: IamGateway,
  audit: AuditLog,
  context: AuditContext,
  unsettled?: UnsettledMutations,
): IamGateway {
  async function audited<R extends MutationReceipt>(
    method: Mutation,
    userName: string,
    keyId: string | undefined,
    detail: Record<string, unknown> | undefined,
    call: () => Promise<R>,
  ): Promise<R> {
    const account = accountKey(context.provider, userName, KIND_OF[method]);
    const base = {
      actor: context.actor,
      provider: context.provider,
      jobId: context.jobId,
      action: ACTION_NAMES[method],
      account,
    };
    const attemptId = await audit.append({ ...base, outcome: 'attempted', keyId, detail });
    await unsettled?.add(account, { attemptId, action: base.action, keyId, jobId: context.jobId });
    let result: R;
    try {
      result = await call();
    } catch (err) {
      const e = err as { code?: string; detail?: { requestId?: string } };
      const lost = responseLost(err);
      await audit.append({
        ...base,
        outcome: lost ? 'unknown' : 'failed',
        settles: attemptId,
        keyId,
        requestId: e.detail?.requestId,
        detail: { ...detail, error: e.code ?? 'aborted' },
      });
      if (!lost) {
        await unsettled?.remove(account, attemptId);
      }
      throw err;
    }
    const createdKey = (result as Partial<AccessKey>).accessKeyId;
    await audit.append({
      ...base,
      outcome: 'succeeded',
      settles: attemptId,
      keyId: keyId ?? createdKey,
      requestId: result.requestId,
      detail,
    });
    await unsettled?.remove(account, attemptId);
    return result;
  }
  const mutations: Pick<IamGateway, Mutation> = {
    createAccessKey: (userName, options) =>
      audited('createAccessKey', userName, undefined, undefined, () =>
        gateway.createAccessKey(userName, options),
      ),
    updateAccessKeyStatus: (userName, keyId, status) =>
      audited('updateAccessKeyStatus', userName, keyId, { status }, () =>
        gateway.updateAccessKeyStatus(userName, keyId, status),
      ),
    deleteAccessKey: (userName, keyId) =>
      audited('deleteAccessKey', userName, keyId, undefined, () =>
        gateway.deleteAccessKey(userName, keyId),
      ),
    tagUser: (userName, tags) =>
      audited('tagUser', userName, tags[0]?.key, { tagKeys: tags.map((t) => t.key) }, () =>
        gateway.tagUser(userName, tags),
      ),
    untagUser: (userName, keys) =>
      audited('untagUser', userName, keys[0], { tagKeys: keys }, () =>
        gateway.untagUser(userName, keys),
      ),
    createLoginProfile: (userName, password, reset, options) =>
      audited('createLoginProfile', userName, undefined, versionDetail(options), () =>
        gateway.createLoginProfile(userName, password, reset, options),
      ),
    updateLoginProfile: (userName, password, reset, options) =>
      audited('updateLoginProfile', userName, undefined, versionDetail(options), () =>
        gateway.updateLoginProfile(userName, password, reset, options),
      ),
  };
  // Reads pass straight through (the gateway may itself be a proxy, so no spread).
  return new Proxy(gateway, {
    get: (target, prop, receiver): unknown =>
      prop in mutations
        ? mutations[prop as Mutation]
        : (Reflect.get(target, prop, receiver) as unknown),
  });
}

/**
 * Settles the mutations of `account` an earlier run left unsettled (it died mid-call, or lost
 * the response): one `unknown` entry each, naming the run that took over, whose steps then find
 * out from IAM what was applied. Returns how many were settled.
 */
export async function settleLeftovers(
  audit: AuditLog,
  unsettled: UnsettledMutations,
  account: string,
  context: AuditContext,
): Promise<number> {
  const left = await unsettled.list(account);
  for (const mutation of left) {
    await audit.append({
      actor: context.actor,
      provider: context.provider,
      jobId: context.jobId,
      action: mutation.action,
      account,
      keyId: mutation.keyId,
      outcome: 'unknown',
      settles: mutation.attemptId,
      detail: { settledOnResume: true, attemptedByJob: mutation.jobId },
    });
    await unsettled.remove(account, mutation.attemptId);
  }
  return left.length;
}

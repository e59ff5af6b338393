/**
 * Wraps an IAM gateway so every mutation is audited (DESIGN.md invariant 9): time, provider,
 * user, action, key id, AWS request id, job id and outcome — success or failure.
 */
import type { AccessKey, IamGateway, MutationReceipt } from '../iam/iam-gateway.ts';
import type { AccountKind } from '../identifiers.ts';
import { accountKey } from '../keys.ts';
import type { AuditLog } from './audit-log.ts';

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

export function createAuditedGateway(
  gateway: IamGateway,
  audit: AuditLog,
  context: AuditContext,
): IamGateway {
  async function audited<R extends MutationReceipt>(
    method: Mutation,
    userName: string,
    keyId: string | undefined,
    detail: Record<string, unknown> | undefined,
    call: () => Promise<R>,
  ): Promise<R> {
    const base = {
      actor: context.actor,
      provider: context.provider,
      jobId: context.jobId,
      action: ACTION_NAMES[method],
      account: accountKey(context.provider, userName, KIND_OF[method]),
    };
    try {
      const result = await call();
      const createdKey = (result as Partial<AccessKey>).accessKeyId;
      await audit.append({
        ...base,
        outcome: 'ok',
        keyId: keyId ?? createdKey,
        requestId: result.requestId,
        detail,
      });
      return result;
    } catch (err) {
      const e = err as { code?: string; detail?: { requestId?: string } };
      await audit.append({
        ...base,
        outcome: 'failed',
        keyId,
        requestId: e.detail?.requestId,
        detail: { ...detail, error: e.code },
      });
      throw err;
    }
  }
  const mutations: Pick<IamGateway, Mutation> = {
    createAccessKey: (userName) =>
      audited('createAccessKey', userName, undefined, undefined, () =>
        gateway.createAccessKey(userName),
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
    createLoginProfile: (userName, password, reset) =>
      audited('createLoginProfile', userName, undefined, undefined, () =>
        gateway.createLoginProfile(userName, password, reset),
      ),
    updateLoginProfile: (userName, password, reset) =>
      audited('updateLoginProfile', userName, undefined, undefined, () =>
        gateway.updateLoginProfile(userName, password, reset),
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

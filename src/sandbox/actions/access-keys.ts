/** CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed. */
import { authorize } from '../policy/authorize.ts';
import { IamError, invalidInput, limitExceeded, noSuchAccessKey } from '../protocol/iam-error.ts';
import { ACCESS_KEY_ID, EXISTING_USER_NAME } from '../protocol/shapes.ts';
import type { Validator } from '../protocol/validator.ts';
import { isoMillis, isoSeconds, xmlElement, xmlList, xmlText } from '../protocol/xml.ts';
import { pageByOffset, pageXml } from '../rules/pagination.ts';
import { newAccessKey } from '../state/new-entities.ts';
import type { AccessKeyRecord } from '../state/records.ts';
import { type ActionContext, defineAction } from './define-action.ts';
import { readPaging, requireUser, targetUserName, userResource } from './helpers.ts';

/** Inactive keys count: "A deactivated access key still counts toward your limit" (§4.7). */
export const ACCESS_KEYS_PER_USER = 2;

function findUserKey(context: ActionContext, userName: string, accessKeyId: string) {
  const user = requireUser(context, userName);
  const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  if (key === undefined) {
    throw noSuchAccessKey(accessKeyId);
  }
  return key;
}

/** UserName (optional: the caller) and AccessKeyId; `resolve` runs after validation. */
function userAndKeyInput(v: Validator, context: ActionContext) {
  const given = v.string('UserName', 'userName', EXISTING_USER_NAME);
  const accessKeyId = v.string('AccessKeyId', 'accessKeyId', ACCESS_KEY_ID, true) ?? '';
  return { accessKeyId, resolve: () => targetUserName(given, context.caller) };
}

export const createAccessKey = defineAction({
  name: 'CreateAccessKey',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', EXISTING_USER_NAME);
    v.done();
    return { userName: targetUserName(given, context.caller) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName }, context) {
    const user = requireUser(context, userName);
    // The quota is checked on the user, Inactive keys included, before anything is created.
    if (user.accessKeys.length >= ACCESS_KEYS_PER_USER) {
      throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
    }
    // The key answers InvalidClientTokenId until the propagation delay in force now has passed.
    const key = newAccessKey(user, context.ids, {
      createdAt: context.now,
      propagationDelayMs: context.settings.propagationDelayMs,
    });
    context.state.addAccessKey(key);
    return xmlElement(
      'AccessKey',
      xmlText('UserName', user.userName) +
        xmlText('AccessKeyId', key.accessKeyId) +
        xmlText('Status', key.status) +
        xmlText('SecretAccessKey', key.secretAccessKey) +
        xmlText('CreateDate', isoMillis(key.createdAt)),
    );
  },
});

function keyMetadataXml(key: AccessKeyRecord): string {
  return (
    xmlText('UserName', key.user.userName) +
    xmlText('AccessKeyId', key.accessKeyId) +
    xmlText('Status', key.status) +
    xmlText('CreateDate', isoSeconds(key.createdAt))
  );
}

export const listAccessKeys = defineAction({
  name: 'ListAccessKeys',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', EXISTING_USER_NAME);
    const paging = readPaging(v, context);
    v.done();
    return { userName: targetUserName(given, context.caller), ...paging };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, marker, maxItems }, context) {
    const user = requireUser(context, userName);
    const page = pageByOffset(user.accessKeys, {
      marker,
      maxItems,
      scope: `ListAccessKeys\n${user.userId}`,
      codec: context.markers,
    });
    return xmlList('AccessKeyMetadata', page.items.map(keyMetadataXml)) + pageXml(page);
  },
});

export const updateAccessKey = defineAction({
  name: 'UpdateAccessKey',
  service: 'iam',
  input(v, _params, context) {
    const { accessKeyId, resolve } = userAndKeyInput(v, context);
    const status = v.oneOf('Status', 'status', ['Active', 'Inactive', 'Expired'], true);
    v.done();
    if (status === 'Expired') {
      // [INFERRED] The model lists Expired; AWS documents only Active and Inactive as settable.
      throw invalidInput('The status Expired cannot be set; use Active or Inactive.');
    }
    return { userName: resolve(), accessKeyId, status: status ?? 'Active' };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  // A key of another user is as unknown as a key that does not exist.
  run({ userName, accessKeyId, status }, context) {
    findUserKey(context, userName, accessKeyId).status = status;
    return undefined;
  },
});

export const deleteAccessKey = defineAction({
  name: 'DeleteAccessKey',
  service: 'iam',
  input(v, _params, context) {
    const { accessKeyId, resolve } = userAndKeyInput(v, context);
    v.done();
    return { userName: resolve(), accessKeyId };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, accessKeyId }, context) {
    context.state.removeAccessKey(findUserKey(context, userName, accessKeyId));
    return undefined;
  },
});

export const getAccessKeyLastUsed = defineAction({
  name: 'GetAccessKeyLastUsed',
  service: 'iam',
  input(v) {
    return { accessKeyId: v.string('AccessKeyId', 'accessKeyId', ACCESS_KEY_ID, true) ?? '' };
  },
  // The resource is the key's owner, known only after the lookup: run authorizes.
  resource: () => null,
  run({ accessKeyId }, context) {
    const owner = context.state.findKey(accessKeyId);
    if (owner?.kind !== 'user') {
      // AWS answers an unknown key with AccessDenied, not NoSuchEntity (§4.15, validated).
      throw new IamError(
        'AccessDenied',
        403,
        `User: ${context.caller.arn} is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key ${accessKeyId}`,
      );
    }
    const key = owner.key;
    authorize(context.caller, context.state.accountId, 'iam:GetAccessKeyLastUsed', key.user.arn);
    const used = key.lastUsed;
    return (
      xmlText('UserName', key.user.userName) +
      xmlElement(
        'AccessKeyLastUsed',
        (used === undefined ? '' : xmlText('LastUsedDate', isoSeconds(used.at))) +
          xmlText('ServiceName', used?.serviceName ?? 'N/A') +
          xmlText('Region', used?.region ?? 'N/A'),
      )
    );
  },
});

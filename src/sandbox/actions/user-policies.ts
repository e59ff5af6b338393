/** PutUserPolicy, GetUserPolicy, DeleteUserPolicy, ListUserPolicies: the user's permissions. */
import { IamError } from '../protocol/iam-error.ts';
import { EXISTING_USER_NAME, POLICY_DOCUMENT, POLICY_NAME } from '../protocol/shapes.ts';
import { escapeXml, xmlList, xmlText } from '../protocol/xml.ts';
import {
  deleteInlinePolicy,
  putInlinePolicy,
  USER_INLINE_POLICY_CHARS,
} from '../rules/inline-policies.ts';
import { pageByOffset, pageXml } from '../rules/pagination.ts';
import { defineAction } from './define-action.ts';
import { readPaging, requireUser, userResource } from './helpers.ts';

/**
 * Inline policies are the sandbox's only source of permissions: PutUserPolicy is how a test
 * gives a user exactly the rights it means to test with.
 */
export const putUserPolicy = defineAction({
  name: 'PutUserPolicy',
  service: 'iam',
  input: (v) => ({
    userName: v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '',
    policyName: v.string('PolicyName', 'policyName', POLICY_NAME, true) ?? '',
    policyDocument: v.string('PolicyDocument', 'policyDocument', POLICY_DOCUMENT, true) ?? '',
  }),
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, policyName, policyDocument }, context) {
    const user = requireUser(context, userName);
    putInlinePolicy(user.policies, policyName, policyDocument, {
      chars: USER_INLINE_POLICY_CHARS,
      owner: `user ${user.userName}`,
    });
    return undefined;
  },
});

export const getUserPolicy = defineAction({
  name: 'GetUserPolicy',
  service: 'iam',
  input: (v) => ({
    userName: v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '',
    policyName: v.string('PolicyName', 'policyName', POLICY_NAME, true) ?? '',
  }),
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, policyName }, context) {
    const user = requireUser(context, userName);
    const policy = user.policies.get(policyName);
    if (policy === undefined) {
      throw new IamError(
        'NoSuchEntity',
        404,
        `The user policy with name ${policyName} cannot be found.`,
      );
    }
    return (
      xmlText('UserName', user.userName) +
      xmlText('PolicyName', policy.name) +
      // IAM returns policy documents URL-encoded (RFC 3986).
      xmlText('PolicyDocument', encodeURIComponent(policy.document.text))
    );
  },
});

export const deleteUserPolicy = defineAction({
  name: 'DeleteUserPolicy',
  service: 'iam',
  input: (v) => ({
    userName: v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '',
    policyName: v.string('PolicyName', 'policyName', POLICY_NAME, true) ?? '',
  }),
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, policyName }, context) {
    deleteInlinePolicy(requireUser(context, userName).policies, policyName, 'user');
    return undefined;
  },
});

export const listUserPolicies = defineAction({
  name: 'ListUserPolicies',
  service: 'iam',
  input(v, _params, context) {
    const userName = v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '';
    return { userName, ...readPaging(v, context) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, marker, maxItems }, context) {
    const user = requireUser(context, userName);
    const names = [...user.policies.keys()].sort();
    const page = pageByOffset(names, {
      marker,
      maxItems,
      scope: `ListUserPolicies\n${user.userId}`,
      codec: context.markers,
    });
    return xmlList('PolicyNames', page.items.map(escapeXml)) + pageXml(page);
  },
});

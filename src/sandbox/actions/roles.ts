/** CreateRole, GetRole, DeleteRole, PutRolePolicy, DeleteRolePolicy: roles to assume. */
import { parsePolicyDocument } from '../policy/policy-document.ts';
import { deleteConflict, IamError, noSuchRole } from '../protocol/iam-error.ts';
import {
  PATH,
  POLICY_DOCUMENT,
  POLICY_NAME,
  ROLE_DESCRIPTION,
  ROLE_NAME,
} from '../protocol/shapes.ts';
import { isoSeconds, xmlElement, xmlText } from '../protocol/xml.ts';
import {
  deleteInlinePolicy,
  putInlinePolicy,
  ROLE_INLINE_POLICY_CHARS,
} from '../rules/inline-policies.ts';
import { newRole } from '../state/new-entities.ts';
import type { RoleRecord } from '../state/records.ts';
import { type ActionContext, defineAction } from './define-action.ts';

function requireRole(context: ActionContext, roleName: string): RoleRecord {
  const role = context.state.findRole(roleName);
  if (role === undefined) {
    throw noSuchRole(roleName);
  }
  return role;
}

const roleResource = (context: ActionContext, roleName: string) =>
  context.state.findRole(roleName)?.arn ?? context.state.roleArn('/', roleName);

function roleXml(role: RoleRecord, withSessionDuration: boolean): string {
  return xmlElement(
    'Role',
    xmlText('Path', role.path) +
      xmlText('RoleName', role.roleName) +
      xmlText('RoleId', role.roleId) +
      xmlText('Arn', role.arn) +
      xmlText('CreateDate', isoSeconds(role.createdAt)) +
      // IAM returns policy documents URL-encoded.
      xmlText('AssumeRolePolicyDocument', encodeURIComponent(role.trust.text)) +
      xmlText('Description', role.description) +
      (withSessionDuration ? xmlText('MaxSessionDuration', role.maxSessionDuration) : ''),
  );
}

export const createRole = defineAction({
  name: 'CreateRole',
  service: 'iam',
  input(v) {
    const path = v.string('Path', 'path', PATH) ?? '/';
    const roleName = v.string('RoleName', 'roleName', ROLE_NAME, true) ?? '';
    const trustText =
      v.string('AssumeRolePolicyDocument', 'assumeRolePolicyDocument', POLICY_DOCUMENT, true) ?? '';
    const description = v.string('Description', 'description', ROLE_DESCRIPTION);
    const maxSessionDuration =
      v.int('MaxSessionDuration', 'maxSessionDuration', { min: 3600, max: 43200 }) ?? 3600;
    v.done();
    // Shape first, then the document: a trust policy must name principals and no resources.
    const trust = parsePolicyDocument(trustText, 'trust');
    return { path, roleName, trust, description, maxSessionDuration };
  },
  resource: ({ path, roleName }, context) => context.state.roleArn(path, roleName),
  run(input, context) {
    if (context.state.findRole(input.roleName) !== undefined) {
      throw new IamError(
        'EntityAlreadyExists',
        409,
        `Role with name ${input.roleName} already exists.`,
      );
    }
    const role = newRole(context.state, context.ids, { ...input, createdAt: context.now });
    context.state.addRole(role);
    return roleXml(role, false);
  },
});

export const getRole = defineAction({
  name: 'GetRole',
  service: 'iam',
  input: (v) => ({ roleName: v.string('RoleName', 'roleName', ROLE_NAME, true) ?? '' }),
  resource: ({ roleName }, context) => roleResource(context, roleName),
  run: ({ roleName }, context) => roleXml(requireRole(context, roleName), true),
});

export const deleteRole = defineAction({
  name: 'DeleteRole',
  service: 'iam',
  input: (v) => ({ roleName: v.string('RoleName', 'roleName', ROLE_NAME, true) ?? '' }),
  resource: ({ roleName }, context) => roleResource(context, roleName),
  run({ roleName }, context) {
    const role = requireRole(context, roleName);
    // Deleting a role also ends its sessions (their keys leave the key index).
    if (role.policies.size > 0) {
      throw deleteConflict('Cannot delete entity, must delete policies first.');
    }
    context.state.removeRole(role);
    return undefined;
  },
});

export const putRolePolicy = defineAction({
  name: 'PutRolePolicy',
  service: 'iam',
  input: (v) => ({
    roleName: v.string('RoleName', 'roleName', ROLE_NAME, true) ?? '',
    policyName: v.string('PolicyName', 'policyName', POLICY_NAME, true) ?? '',
    policyDocument: v.string('PolicyDocument', 'policyDocument', POLICY_DOCUMENT, true) ?? '',
  }),
  resource: ({ roleName }, context) => roleResource(context, roleName),
  run({ roleName, policyName, policyDocument }, context) {
    const role = requireRole(context, roleName);
    putInlinePolicy(role.policies, policyName, policyDocument, {
      chars: ROLE_INLINE_POLICY_CHARS,
      owner: `role ${role.roleName}`,
    });
    return undefined;
  },
});

export const deleteRolePolicy = defineAction({
  name: 'DeleteRolePolicy',
  service: 'iam',
  input: (v) => ({
    roleName: v.string('RoleName', 'roleName', ROLE_NAME, true) ?? '',
    policyName: v.string('PolicyName', 'policyName', POLICY_NAME, true) ?? '',
  }),
  resource: ({ roleName }, context) => roleResource(context, roleName),
  run({ roleName, policyName }, context) {
    deleteInlinePolicy(requireRole(context, roleName).policies, policyName, 'role');
    return undefined;
  },
});

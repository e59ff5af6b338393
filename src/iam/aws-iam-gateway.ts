/** The IAM port over `@aws-sdk/client-iam` and `client-sts`: maps shapes and classifies errors. */
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  SimulatePrincipalPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

import { allPages, call, receipt, toUser } from './aws-sdk-calls.ts';
import { measureClockSkew } from './clock-skew.ts';
import type { AccessKey, IamGateway, PolicyDecision, Tag } from './iam-gateway.ts';

export function createAwsIamGateway(clients: {
  iam: IAMClient;
  /** The same IAM with one attempt per call (CreateAccessKey); `iam` when absent. */
  iamOnce?: IAMClient | undefined;
  sts: STSClient;
}): IamGateway {
  const { iam, sts } = clients;
  const iamOnce = clients.iamOnce ?? iam;
  const skew = measureClockSkew([iam, iamOnce]);
  return {
    clockSkewMs: async () => skew.skewMs(),

    async getCallerIdentity() {
      const out = await call({ action: 'GetCallerIdentity' }, () =>
        sts.send(new GetCallerIdentityCommand({})),
      );
      return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
    },

    async getUser(userName) {
      const out = await call({ action: 'GetUser' }, () =>
        iam.send(new GetUserCommand(userName === undefined ? {} : { UserName: userName })),
      );
      return toUser(out.User);
    },

    async listUsersPage({ pathPrefix, marker, maxItems }) {
      const out = await call({ action: 'ListUsers' }, () =>
        iam.send(
          new ListUsersCommand({ PathPrefix: pathPrefix, Marker: marker, MaxItems: maxItems }),
        ),
      );
      return {
        users: (out.Users ?? []).map(toUser),
        marker: out.IsTruncated ? out.Marker : undefined,
      };
    },

    listAccessKeys(userName) {
      return allPages<AccessKey>(async (marker) => {
        const out = await call({ action: 'ListAccessKeys' }, () =>
          iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker })),
        );
        const items = (out.AccessKeyMetadata ?? []).map((key) => ({
          accessKeyId: key.AccessKeyId ?? '',
          userName: key.UserName ?? userName,
          status: key.Status ?? 'Active',
          createdAt: key.CreateDate,
        }));
        return { items, marker: out.IsTruncated ? out.Marker : undefined };
      });
    },

    async createAccessKey(userName, options = {}) {
      const { deadline } = options;
      const abortSignal =
        deadline === undefined
          ? undefined
          : AbortSignal.timeout(Math.max(0, deadline.getTime() - Date.now()));
      const out = await call({ action: 'CreateAccessKey' }, () =>
        iamOnce.send(new CreateAccessKeyCommand({ UserName: userName }), { abortSignal }),
      );
      const key = out.AccessKey;
      return {
        accessKeyId: key?.AccessKeyId ?? '',
        userName: key?.UserName ?? userName,
        status: key?.Status ?? 'Active',
        createdAt: key?.CreateDate,
        secretAccessKey: key?.SecretAccessKey ?? '',
        ...receipt(out),
      };
    },

    async updateAccessKeyStatus(userName, accessKeyId, status) {
      const out = await call({ action: 'UpdateAccessKey' }, () =>
        iam.send(
          new UpdateAccessKeyCommand({
            UserName: userName,
            AccessKeyId: accessKeyId,
            Status: status,
          }),
        ),
      );
      return receipt(out);
    },

    async deleteAccessKey(userName, accessKeyId) {
      try {
        const out = await call({ action: 'DeleteAccessKey' }, () =>
          iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId })),
        );
        return { ...receipt(out), alreadyGone: false };
      } catch (err) {
        // A retry after a lost response finds the key gone: the goal state, not a failure.
        if ((err as { code?: string }).code === 'entity_missing') {
          return { requestId: undefined, alreadyGone: true };
        }
        throw err;
      }
    },

    listUserTags(userName) {
      return allPages<Tag>(async (marker) => {
        const out = await call({ action: 'ListUserTags' }, () =>
          iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
        );
        const items = (out.Tags ?? []).map((tag) => ({
          key: tag.Key ?? '',
          value: tag.Value ?? '',
        }));
        return { items, marker: out.IsTruncated ? out.Marker : undefined };
      });
    },

    async tagUser(userName, tags) {
      const out = await call({ action: 'TagUser' }, () =>
        iam.send(
          new TagUserCommand({
            UserName: userName,
            Tags: tags.map((t) => ({ Key: t.key, Value: t.value })),
          }),
        ),
      );
      return receipt(out);
    },

    async untagUser(userName, keys) {
      const out = await call({ action: 'UntagUser' }, () =>
        iam.send(new UntagUserCommand({ UserName: userName, TagKeys: keys })),
      );
      return receipt(out);
    },

    async getLoginProfile(userName) {
      try {
        const out = await call({ action: 'GetLoginProfile' }, () =>
          iam.send(new GetLoginProfileCommand({ UserName: userName })),
        );
        return {
          userName: out.LoginProfile?.UserName ?? userName,
          createdAt: out.LoginProfile?.CreateDate,
          passwordResetRequired: out.LoginProfile?.PasswordResetRequired ?? false,
        };
      } catch (err) {
        // Same code for "no user" and "no profile"; only the message tells them apart.
        if ((err as { code?: string }).code === 'entity_missing') {
          return undefined;
        }
        throw err;
      }
    },

    async createLoginProfile(userName, password, passwordResetRequired) {
      const out = await call({ action: 'CreateLoginProfile' }, () =>
        iam.send(
          new CreateLoginProfileCommand({
            UserName: userName,
            Password: password,
            PasswordResetRequired: passwordResetRequired,
          }),
        ),
      );
      return receipt(out);
    },

    async updateLoginProfile(userName, password, passwordResetRequired) {
      const out = await call({ action: 'UpdateLoginProfile' }, () =>
        iam.send(
          new UpdateLoginProfileCommand({
            UserName: userName,
            Password: password,
            PasswordResetRequired: passwordResetRequired,
          }),
        ),
      );
      return receipt(out);
    },

    async getAccountPasswordPolicy() {
      try {
        const out = await call({ action: 'GetAccountPasswordPolicy' }, () =>
          iam.send(new GetAccountPasswordPolicyCommand({})),
        );
        const p = out.PasswordPolicy;
        return {
          minimumPasswordLength: p?.MinimumPasswordLength ?? 6,
          requireSymbols: p?.RequireSymbols ?? false,
          requireNumbers: p?.RequireNumbers ?? false,
          requireUppercaseCharacters: p?.RequireUppercaseCharacters ?? false,
          requireLowercaseCharacters: p?.RequireLowercaseCharacters ?? false,
          passwordReusePrevention: p?.PasswordReusePrevention,
        };
      } catch (err) {
        // NoSuchEntity means "no custom policy": AWS's default applies.
        if ((err as { code?: string }).code === 'entity_missing') {
          return undefined;
        }
        throw err;
      }
    },

    async getAccessKeyLastUsed(accessKeyId) {
      try {
        const out = await call({ action: 'GetAccessKeyLastUsed' }, () =>
          iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
        );
        return {
          lastUsedAt: out.AccessKeyLastUsed?.LastUsedDate,
          serviceName: out.AccessKeyLastUsed?.ServiceName ?? 'N/A',
          region: out.AccessKeyLastUsed?.Region ?? 'N/A',
        };
      } catch (err) {
        // AWS answers AccessDenied "... on resource: access key <id>" for an unknown key; moto says NoSuchEntity.
        const e = err as { code?: string; message?: string };
        if (
          e.code === 'entity_missing' ||
          (e.code === 'permission_denied' && e.message?.includes(`access key ${accessKeyId}`))
        ) {
          return undefined;
        }
        throw err;
      }
    },

    async simulatePrincipalPolicy(principalArn, actionNames) {
      const decisions: Record<string, PolicyDecision> = {};
      let marker: string | undefined;
      do {
        const out = await call({ action: 'SimulatePrincipalPolicy' }, () =>
          iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: principalArn,
              ActionNames: actionNames,
              Marker: marker,
            }),
          ),
        );
        for (const result of out.EvaluationResults ?? []) {
          if (result.EvalActionName) {
            decisions[result.EvalActionName] = result.EvalDecision ?? 'implicitDeny';
          }
        }
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
      return decisions;
    },
  };
}

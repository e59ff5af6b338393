import { describe, expect, it } from 'vitest';

import { PermanentError, TransientError } from '../../../src/errors.ts';
import type { IamGateway, PolicyDecision } from '../../../src/iam/iam-gateway.ts';
import {
  checkPrerequisites,
  OPTIONAL_ACTIONS,
  policySourceArn,
  REQUIRED_ACTIONS,
} from '../../../src/providers/prerequisites.ts';

const USER_ARN = 'arn:aws:iam::123456789012:user/pam-svc';

function gateway(options: {
  getUser?: Error;
  arn?: string;
  decide?: (action: string) => PolicyDecision;
  simulate?: Error;
  identity?: Error;
}): IamGateway & { simulatedFor: string[] } {
  const simulatedFor: string[] = [];
  return {
    simulatedFor,
    getCallerIdentity: async () => {
      if (options.identity) {
        throw options.identity;
      }
      return { account: '123456789012', arn: options.arn ?? USER_ARN, userId: 'AIDAEXAMPLE' };
    },
    getUser: async () => {
      if (options.getUser) {
        throw options.getUser;
      }
      return {
        userName: 'pam-svc',
        userId: 'AIDAEXAMPLE',
        arn: USER_ARN,
        path: '/',
        createdAt: new Date(),
        passwordLastUsedAt: undefined,
      };
    },
    simulatePrincipalPolicy: async (arn: string, actions: string[]) => {
      simulatedFor.push(arn);
      if (options.simulate) {
        throw options.simulate;
      }
      return Object.fromEntries(actions.map((a) => [a, options.decide?.(a) ?? 'allowed']));
    },
  } as unknown as IamGateway & { simulatedFor: string[] };
}

describe('checkPrerequisites', () => {
  it('is ready when every action is allowed', async () => {
    const report = await checkPrerequisites(gateway({}));
    expect(report).toMatchObject({ status: 'ready', denied: [], principalArn: USER_ARN });
    expect(REQUIRED_ACTIONS).toHaveLength(13);
  });

  it('names each missing required action and offers the policy that fixes it', async () => {
    const report = await checkPrerequisites(
      gateway({
        decide: (a) =>
          a === 'iam:TagUser' || a === 'iam:CreateAccessKey'
            ? 'implicitDeny'
            : a === 'iam:UntagUser'
              ? 'explicitDeny'
              : 'allowed',
      }),
    );
    expect(report.status).toBe('missing_permissions');
    expect(report.denied.sort()).toEqual(['iam:CreateAccessKey', 'iam:TagUser', 'iam:UntagUser']);
    expect(report.statusDetail).toMatch(/missing iam:CreateAccessKey, iam:TagUser, iam:UntagUser/);
    expect(report.policy?.Statement[0]?.Action).toEqual([
      ...REQUIRED_ACTIONS,
      ...Object.keys(OPTIONAL_ACTIONS),
    ]);
  });

  it('goes on when GetUser itself is denied, and lists it as missing', async () => {
    const report = await checkPrerequisites(
      gateway({
        getUser: new PermanentError('permission_denied', 'GetUser: AccessDenied'),
        decide: (a) => (a === 'iam:GetUser' ? 'implicitDeny' : 'allowed'),
      }),
    );
    expect(report).toMatchObject({ status: 'missing_permissions', denied: ['iam:GetUser'] });
  });

  it('is degraded when only optional actions are denied, saying which features are off', async () => {
    const report = await checkPrerequisites(
      gateway({ decide: (a) => (a === 'iam:GetAccessKeyLastUsed' ? 'implicitDeny' : 'allowed') }),
    );
    expect(report).toMatchObject({ status: 'degraded', denied: ['iam:GetAccessKeyLastUsed'] });
    expect(report.statusDetail).toMatch(/last use is not recorded/);
  });

  it('falls back to unknown, never ready, when the simulation is denied or not implemented', async () => {
    const denied = new PermanentError('permission_denied', 'SimulatePrincipalPolicy: AccessDenied');
    const missing = new PermanentError('not_implemented', 'SimulatePrincipalPolicy: HTML 500');
    expect(await checkPrerequisites(gateway({ simulate: denied }))).toMatchObject({
      status: 'unknown',
      statusDetail: expect.stringMatching(/denied to the principal/),
    });
    expect(await checkPrerequisites(gateway({ simulate: missing }))).toMatchObject({
      status: 'unknown',
      statusDetail: expect.stringMatching(/does not implement/),
    });
  });

  it('lets transient failures through, so the job retries', async () => {
    await expect(
      checkPrerequisites(
        gateway({ simulate: new TransientError('iam_throttled', 'Rate exceeded') }),
      ),
    ).rejects.toMatchObject({ code: 'iam_throttled' });
  });

  it('reports a rejected credential as unknown with what to do', async () => {
    const report = await checkPrerequisites(
      gateway({
        identity: new PermanentError(
          'provider_credential_invalid',
          'GetCallerIdentity: InvalidClientTokenId',
        ),
      }),
    );
    expect(report).toMatchObject({
      status: 'unknown',
      statusDetail: expect.stringMatching(/credential is rejected.*provider add/),
    });
  });

  it('simulates an assumed role through its role ARN', async () => {
    const g = gateway({ arn: 'arn:aws:sts::123456789012:assumed-role/pam-role/iam-pam' });
    await checkPrerequisites(g);
    expect(g.simulatedFor).toEqual(['arn:aws:iam::123456789012:role/pam-role']);
    expect(policySourceArn(USER_ARN)).toBe(USER_ARN);
  });
});

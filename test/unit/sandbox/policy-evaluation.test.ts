/** Identity-policy evaluation, statement positions and role trust. */
import { describe, expect, it } from 'vitest';

import type { Caller } from '../../../src/sandbox/auth/caller.ts';
import { evaluatePolicies } from '../../../src/sandbox/policy/evaluate-policies.ts';
import { parsePolicyDocument } from '../../../src/sandbox/policy/policy-document.ts';
import { evaluateTrust } from '../../../src/sandbox/policy/trust.ts';
import { newRole } from '../../../src/sandbox/state/new-entities.ts';
import { ACCOUNT, stateWithUser } from './fixtures.ts';

const policy = (name: string, statements: object[]) => ({
  name,
  document: parsePolicyDocument(
    JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    'identity',
  ),
});

describe('policy evaluation', () => {
  const readOnly = policy('read', [
    { Sid: 'List', Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' },
  ]);

  it('allows through action wildcards, case-insensitively, and denies implicitly otherwise', () => {
    expect(evaluatePolicies([readOnly], 'iam:ListUsers', '*').decision).toBe('allowed');
    expect(evaluatePolicies([readOnly], 'IAM:getuser', '*').decision).toBe('allowed');
    const denied = evaluatePolicies([readOnly], 'iam:CreateAccessKey', '*');
    expect(denied).toEqual({ decision: 'implicitDeny', matched: [], missingContextValues: [] });
  });

  it('lets an explicit Deny win, as the only matched statement', () => {
    const deny = policy('deny', [{ Effect: 'Deny', Action: 'iam:*AccessKey*', Resource: '*' }]);
    const all = policy('all', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    const result = evaluatePolicies([all, deny], 'iam:DeleteAccessKey', '*');
    expect(result.decision).toBe('explicitDeny');
    expect(result.matched.map((m) => m.policyName)).toEqual(['deny']);
    expect(evaluatePolicies([all, deny], 'iam:ListUsers', '*').decision).toBe('allowed');
  });

  it('honours NotAction, resources with policy variables, and conditions', () => {
    const own = policy('own', [
      {
        Effect: 'Allow',
        Action: 'iam:*AccessKey*',
        Resource: 'arn:aws:iam::*:user/${aws:username}',
      },
      { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:TagUser',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/team': 'x' } },
      },
    ]);
    const context = { 'aws:username': 'alice' };
    expect(
      evaluatePolicies([own], 'iam:CreateAccessKey', 'arn:aws:iam::1:user/alice', context).decision,
    ).toBe('allowed');
    expect(
      evaluatePolicies([own], 'iam:CreateAccessKey', 'arn:aws:iam::1:user/bob', context).decision,
    ).toBe('implicitDeny');
    expect(evaluatePolicies([own], 's3:GetObject', '*', context).decision).toBe('allowed');
    const tag = evaluatePolicies([own], 'iam:TagUser', '*', context);
    expect(tag).toMatchObject({
      decision: 'implicitDeny',
      missingContextValues: ['aws:RequestTag/team'],
    });
  });

  it('knows where each statement sits in the document text', () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "*", "Resource": "*"},\n    {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}\n  ]\n}';
    const doc = parsePolicyDocument(text, 'identity');
    expect(doc.statements.map((s) => [s.start, s.end])).toEqual([
      [
        { line: 4, column: 5 },
        { line: 4, column: 56 },
      ],
      [
        { line: 5, column: 5 },
        { line: 5, column: 68 },
      ],
    ]);
  });

  it('rejects malformed documents with MalformedPolicyDocument', () => {
    const bad = (text: string, kind: 'identity' | 'trust' = 'identity') => {
      try {
        parsePolicyDocument(text, kind);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(bad('{nope')).toBe('This policy contains invalid Json');
    expect(bad('{"Statement":[{"Effect":"Allow","Resource":"*"}]}')).toBe(
      'Policy statement must contain actions.',
    );
    expect(bad('{"Statement":[{"Effect":"Allow","Action":"iam:GetUser"}]}')).toBe(
      'Policy statement must contain resources.',
    );
    expect(bad('{"Statement":[{"Effect":"Allow","Action":"GetUser","Resource":"*"}]}')).toBe(
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    );
    expect(
      bad('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"x:y","Resource":"*"}]}'),
    ).toBe('Policy document should not specify a principal.');
    expect(bad('{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}', 'trust')).toBe(
      'Missing required field Principal',
    );
  });
});

describe('role trust', () => {
  function roleTrusting(principal: object, condition?: object) {
    const { state, ids, user, key } = stateWithUser();
    const trust = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: principal,
            Action: 'sts:AssumeRole',
            ...(condition ? { Condition: condition } : {}),
          },
        ],
      }),
      'trust',
    );
    const role = newRole(state, ids, {
      roleName: 'deploy',
      path: '/',
      createdAt: 0,
      description: undefined,
      maxSessionDuration: 3600,
      trust,
    });
    const caller: Caller = {
      kind: 'user',
      user,
      accessKeyId: key.accessKeyId,
      arn: user.arn,
      userId: user.userId,
    };
    return { role, caller };
  }

  it('trusts a caller named by ARN, or its account (which then needs its own permission)', () => {
    const named = roleTrusting({ AWS: `arn:aws:iam::${ACCOUNT}:user/team/alice` });
    expect(evaluateTrust(named.role, named.caller, ACCOUNT, {})).toBe('caller-trusted');
    const account = roleTrusting({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    expect(evaluateTrust(account.role, account.caller, ACCOUNT, {})).toBe('account-trusted');
    const other = roleTrusting({ AWS: 'arn:aws:iam::210987654321:root' });
    expect(evaluateTrust(other.role, other.caller, ACCOUNT, {})).toBe('denied');
  });

  it('requires the sts:ExternalId condition to hold', () => {
    const { role, caller } = roleTrusting(
      { AWS: ACCOUNT },
      { StringEquals: { 'sts:ExternalId': 'ext-1' } },
    );
    expect(evaluateTrust(role, caller, ACCOUNT, { 'sts:ExternalId': 'ext-1' })).toBe(
      'account-trusted',
    );
    expect(evaluateTrust(role, caller, ACCOUNT, { 'sts:ExternalId': 'ext-2' })).toBe('denied');
    expect(evaluateTrust(role, caller, ACCOUNT, {})).toBe('denied');
  });
});

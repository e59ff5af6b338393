/**
 * SimulatePrincipalPolicy: each action × resource (default `*`) evaluated against the
 * principal's inline policies, with the same evaluator that authorizes live calls — so a
 * simulated `allowed` and a real call agree (iam-api.md §4.13 for the result shape).
 */
import type { NamedPolicy, StatementMatch } from '../policy/evaluate-policies.ts';
import { type Evaluation, evaluatePolicies } from '../policy/evaluate-policies.ts';
import { IamError, invalidInput, noSuchRole, noSuchUser } from '../protocol/iam-error.ts';
import { ACTION_NAME, ARN, RESOURCE_NAME } from '../protocol/shapes.ts';
import { escapeXml, xmlElement, xmlList, xmlText } from '../protocol/xml.ts';
import { pageByOffset, pageXml } from '../rules/pagination.ts';
import { type ActionContext, defineAction } from './define-action.ts';
import { readPaging } from './helpers.ts';

interface Principal {
  policies: Iterable<NamedPolicy>;
  context: Record<string, string>;
}

const ARN_PATTERN =
  /^arn:aws:iam::(\d{12}):(user|role|group)((?:\/[\u0021-\u007E]*)?\/)([\w+=,.@-]+)$/;

function findPrincipal(arn: string, context: ActionContext): Principal {
  const m = ARN_PATTERN.exec(arn);
  if (m === null) {
    throw invalidInput(`Invalid Entity Arn: ${arn} does not clearly define entity type and name.`);
  }
  const [, account, type, , name = ''] = m;
  const local = account === context.state.accountId;
  if (type === 'user') {
    const user = local ? context.state.findUser(name) : undefined;
    if (user === undefined) {
      throw noSuchUser(name);
    }
    return {
      policies: user.policies.values(),
      context: {
        'aws:username': user.userName,
        'aws:userid': user.userId,
        'aws:PrincipalArn': user.arn,
        'aws:PrincipalAccount': context.state.accountId,
        'aws:PrincipalType': 'User',
      },
    };
  }
  if (type === 'role') {
    const role = local ? context.state.findRole(name) : undefined;
    if (role === undefined) {
      throw noSuchRole(name);
    }
    return {
      policies: role.policies.values(),
      context: { 'aws:PrincipalArn': role.arn, 'aws:PrincipalAccount': context.state.accountId },
    };
  }
  // The sandbox has no groups.
  throw new IamError('NoSuchEntity', 404, `The group with name ${name} cannot be found.`);
}

function statementsXml(matched: StatementMatch[]): string {
  return xmlList(
    'MatchedStatements',
    matched.map(
      ({ policyName, statement }) =>
        xmlText('SourcePolicyId', policyName) +
        // What real AWS sends, though the model's enum lacks it (§4.13, validated).
        xmlText('SourcePolicyType', 'IAM Policy') +
        xmlElement(
          'StartPosition',
          xmlText('Line', statement.start.line) + xmlText('Column', statement.start.column),
        ) +
        xmlElement(
          'EndPosition',
          xmlText('Line', statement.end.line) + xmlText('Column', statement.end.column),
        ),
    ),
  );
}

function missingXml(evaluation: Evaluation): string {
  return xmlList('MissingContextValues', evaluation.missingContextValues.map(escapeXml));
}

/** Several resources reduce to one decision: a Deny anywhere wins, all must allow to allow. */
function combine(evaluations: Evaluation[]): Evaluation {
  const deny = evaluations.find((e) => e.decision === 'explicitDeny');
  if (deny !== undefined) {
    return deny;
  }
  const allAllowed = evaluations.every((e) => e.decision === 'allowed');
  return {
    decision: allAllowed ? 'allowed' : 'implicitDeny',
    matched: allAllowed ? evaluations.flatMap((e) => e.matched) : [],
    missingContextValues: [...new Set(evaluations.flatMap((e) => e.missingContextValues))],
  };
}

export const simulatePrincipalPolicy = defineAction({
  name: 'SimulatePrincipalPolicy',
  service: 'iam',
  input(v, params, context) {
    const policySourceArn = v.string('PolicySourceArn', 'policySourceArn', ARN, true) ?? '';
    const actionNames =
      v.stringList('ActionNames', 'actionNames', { shape: ACTION_NAME, required: true }) ?? [];
    const resourceArns = v.stringList('ResourceArns', 'resourceArns', { shape: RESOURCE_NAME });
    const entries =
      params.structList('ContextEntries', ['ContextKeyName'] as const)?.map((entry, i) => ({
        key: entry.ContextKeyName ?? '',
        value: params.list(`ContextEntries.member.${i + 1}.ContextKeyValues`)?.[0],
      })) ?? [];
    return { policySourceArn, actionNames, resourceArns, entries, ...readPaging(v, context) };
  },
  resource: ({ policySourceArn }) => policySourceArn,
  run(input, context) {
    // Caller-supplied context entries win over what the principal itself implies.
    const principal = findPrincipal(input.policySourceArn, context);
    const requestContext: Record<string, string> = { ...principal.context };
    for (const { key, value } of input.entries) {
      if (value !== undefined) {
        requestContext[key] = value;
      }
    }
    const policies = [...principal.policies];
    const resources = input.resourceArns ?? ['*'];
    const results = input.actionNames.map((action) => {
      const perResource = resources.map((resource) => ({
        resource,
        evaluation: evaluatePolicies(policies, action, resource, requestContext),
      }));
      const overall = combine(perResource.map((r) => r.evaluation));
      const specific =
        input.resourceArns === undefined
          ? ''
          : xmlList(
              'ResourceSpecificResults',
              perResource.map(
                ({ resource, evaluation }) =>
                  xmlText('EvalResourceName', resource) +
                  xmlText('EvalResourceDecision', evaluation.decision) +
                  statementsXml(evaluation.matched) +
                  missingXml(evaluation),
              ),
            );
      const allowedDetail =
        overall.decision === 'allowed'
          ? '<EvalDecisionDetails/>' +
            xmlElement('OrganizationsDecisionDetail', xmlText('AllowedByOrganizations', true))
          : '';
      return (
        xmlText('EvalActionName', action) +
        xmlText('EvalResourceName', resources.length === 1 ? resources[0] : '*') +
        xmlText('EvalDecision', overall.decision) +
        statementsXml(overall.matched) +
        missingXml(overall) +
        allowedDetail +
        specific
      );
    });
    const page = pageByOffset(results, {
      marker: input.marker,
      maxItems: input.maxItems,
      scope: `SimulatePrincipalPolicy\n${input.policySourceArn}\n${input.actionNames.join(',')}`,
      codec: context.markers,
    });
    return xmlList('EvaluationResults', page.items) + pageXml(page);
  },
});

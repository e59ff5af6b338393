/**
 * Identity-policy evaluation as IAM does it for one principal: an explicit Deny wins (and is
 * the only matched statement), otherwise any matching Allow allows, otherwise the request is
 * implicitly denied (iam-api.md §4.13).
 */
import type { ConditionClause, PolicyDocument, PolicyStatement } from './policy-document.ts';
import { wildcardMatch } from './wildcard.ts';

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** Request context keys (`aws:username`, `sts:ExternalId`, …); absent keys are undefined. */
export type RequestContext = Readonly<Record<string, string | undefined>>;

export interface StatementMatch {
  policyName: string;
  statement: PolicyStatement;
}

export interface Evaluation {
  decision: Decision;
  matched: StatementMatch[];
  /** Condition keys a statement needed that the context did not hold. */
  missingContextValues: string[];
}

function contextValue(context: RequestContext, key: string): string | undefined {
  const exact = context[key];
  if (exact !== undefined) {
    return exact;
  }
  const lower = key.toLowerCase();
  const found = Object.keys(context).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : context[found];
}

/** `${aws:username}`-style policy variables in resources. */
function substitute(pattern: string, context: RequestContext): string {
  return pattern.replace(
    /\$\{([^}]+)\}/g,
    (whole, key: string) => contextValue(context, key) ?? whole,
  );
}

function conditionHolds(clause: ConditionClause, context: RequestContext, missing: Set<string>) {
  const operator = clause.operator.replace(/^(ForAnyValue|ForAllValues):/, '');
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = contextValue(context, clause.key);
  const negated = /Not/.test(base);
  if (actual === undefined) {
    if (!ifExists && !negated) {
      missing.add(clause.key);
    }
    return ifExists || negated;
  }
  const matchOne = (expected: string): boolean => {
    switch (base) {
      case 'StringEquals':
      case 'StringNotEquals':
      case 'ArnEquals':
      case 'ArnNotEquals':
        return actual === expected;
      case 'StringEqualsIgnoreCase':
      case 'StringNotEqualsIgnoreCase':
        return actual.toLowerCase() === expected.toLowerCase();
      case 'StringLike':
      case 'StringNotLike':
      case 'ArnLike':
      case 'ArnNotLike':
        return wildcardMatch(expected, actual);
      case 'Bool':
        return actual.toLowerCase() === expected.toLowerCase();
      default:
        return false;
    }
  };
  const any = clause.values.some(matchOne);
  return negated ? !any : any;
}

function matchesAny(patterns: string[], value: string, ignoreCase: boolean) {
  return patterns.some((pattern) => wildcardMatch(pattern, value, ignoreCase));
}

/** Action, resource and conditions all match; a missing context key fails a positive condition. */
function statementApplies(
  statement: PolicyStatement,
  action: string,
  resource: string,
  context: RequestContext,
  missing: Set<string>,
): boolean {
  const actionOk =
    statement.actions !== undefined
      ? matchesAny(statement.actions, action, true)
      : !matchesAny(statement.notActions ?? [], action, true);
  if (!actionOk) {
    return false;
  }
  const resources = (statement.resources ?? []).map((r) => substitute(r, context));
  const notResources = (statement.notResources ?? []).map((r) => substitute(r, context));
  const resourceOk =
    statement.resources !== undefined
      ? matchesAny(resources, resource, false)
      : statement.notResources === undefined || !matchesAny(notResources, resource, false);
  if (!resourceOk) {
    return false;
  }
  return statement.conditions.every((clause) => conditionHolds(clause, context, missing));
}

export function evaluatePolicies(
  policies: Iterable<NamedPolicy>,
  action: string,
  resource: string,
  context: RequestContext = {},
): Evaluation {
  const allows: StatementMatch[] = [];
  const missing = new Set<string>();
  for (const policy of policies) {
    for (const statement of policy.document.statements) {
      if (!statementApplies(statement, action, resource, context, missing)) {
        continue;
      }
      if (statement.effect === 'Deny') {
        return {
          decision: 'explicitDeny',
          matched: [{ policyName: policy.name, statement }],
          missingContextValues: [...missing],
        };
      }
      allows.push({ policyName: policy.name, statement });
    }
  }
  return {
    decision: allows.length > 0 ? 'allowed' : 'implicitDeny',
    matched: allows,
    missingContextValues: [...missing],
  };
}

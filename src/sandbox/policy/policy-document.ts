/**
 * Policy documents as the sandbox understands them: Allow/Deny statements over actions and
 * resources (with `*`/`?` wildcards), `NotAction`/`NotResource`, a few condition operators,
 * and principals in trust policies. What IAM would reject as malformed is rejected here too.
 */
import { malformedPolicy } from '../protocol/iam-error.ts';
import { statementSpans, type TextPosition } from './statement-spans.ts';

export interface ConditionClause {
  /** e.g. `StringEquals`, `StringLike`, `Bool`, with an optional `IfExists` suffix. */
  operator: string;
  /** The context key, e.g. `sts:ExternalId`. */
  key: string;
  values: string[];
}

/** Trust-policy principals: `*`, or AWS principals (ARNs and account ids). */
export type PrincipalSpec = { any: true } | { any: false; aws: string[] };

export interface PolicyStatement {
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  actions: string[] | undefined;
  notActions: string[] | undefined;
  resources: string[] | undefined;
  notResources: string[] | undefined;
  principals: PrincipalSpec | undefined;
  conditions: ConditionClause[];
  start: TextPosition;
  end: TextPosition;
}

export interface PolicyDocument {
  /** The document exactly as given (GetUserPolicy returns it). */
  text: string;
  statements: PolicyStatement[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SYNTAX = 'Syntax errors in policy.';

function stringList(value: Json | undefined): string[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== 'string') {
      throw malformedPolicy(SYNTAX);
    }
    return item;
  });
}

function parsePrincipals(value: Json | undefined): PrincipalSpec | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value === '*') {
    return { any: true };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedPolicy('Invalid principal in policy');
  }
  const aws = stringList(value.AWS) ?? [];
  if (aws.includes('*')) {
    return { any: true };
  }
  return { any: false, aws };
}

function parseConditions(value: Json | undefined): ConditionClause[] {
  if (value === undefined) {
    return [];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedPolicy(SYNTAX);
  }
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      throw malformedPolicy(SYNTAX);
    }
    for (const [key, values] of Object.entries(block)) {
      const list = Array.isArray(values) ? values : [values];
      // Condition values are strings, numbers or booleans; anything else is malformed.
      const texts = list.map((v) => {
        if (typeof v === 'object' && v !== null) {
          throw malformedPolicy(SYNTAX);
        }
        return String(v);
      });
      clauses.push({ operator, key, values: texts });
    }
  }
  return clauses;
}

function checkActions(actions: string[]): void {
  for (const action of actions) {
    if (action !== '*' && !/^[A-Za-z0-9-]+:[^:]*$/.test(action)) {
      throw malformedPolicy(
        'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
      );
    }
  }
}

/**
 * `identity`: a user or role policy (no Principal, Resource required); `trust`: a role's
 * AssumeRolePolicyDocument (Principal required, no Resource).
 */
export function parsePolicyDocument(text: string, kind: 'identity' | 'trust'): PolicyDocument {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    throw malformedPolicy('This policy contains invalid Json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformedPolicy('This policy contains invalid Json');
  }
  const version = parsed.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformedPolicy('The policy failed legacy parsing');
  }
  const raw = parsed.Statement;
  if (raw === undefined || raw === null || typeof raw !== 'object') {
    throw malformedPolicy(SYNTAX);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  const spans = statementSpans(text);
  const statements = list.map((item, index): PolicyStatement => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw malformedPolicy(SYNTAX);
    }
    if (item.Effect !== 'Allow' && item.Effect !== 'Deny') {
      throw malformedPolicy(SYNTAX);
    }
    const actions = stringList(item.Action);
    const notActions = stringList(item.NotAction);
    if (actions === undefined && notActions === undefined) {
      throw malformedPolicy('Policy statement must contain actions.');
    }
    checkActions([...(actions ?? []), ...(notActions ?? [])]);
    const resources = stringList(item.Resource);
    const notResources = stringList(item.NotResource);
    const principals = parsePrincipals(item.Principal);
    if (kind === 'identity') {
      if (principals !== undefined || item.NotPrincipal !== undefined) {
        throw malformedPolicy('Policy document should not specify a principal.');
      }
      if (resources === undefined && notResources === undefined) {
        throw malformedPolicy('Policy statement must contain resources.');
      }
    } else if (principals === undefined) {
      throw malformedPolicy('Missing required field Principal');
    }
    const span = spans[index] ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
    return {
      sid: typeof item.Sid === 'string' ? item.Sid : undefined,
      effect: item.Effect,
      actions,
      notActions,
      resources,
      notResources,
      principals,
      conditions: parseConditions(item.Condition),
      start: span.start,
      end: span.end,
    };
  });
  return { text, statements };
}

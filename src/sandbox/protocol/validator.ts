/**
 * Request validation in AWS's words, before any entity is looked up (iam-api.md §3): every
 * violation is collected, then one `ValidationError` 400 lists them all. IAM never echoes a
 * value in these messages; STS does (`Value 'x' at 'roleSessionName' …`).
 */
import { IamError } from './iam-error.ts';
import type { QueryParams } from './query-params.ts';

/** A string shape from the service model: lengths and the pattern AWS publishes. */
export interface StringShape {
  min: number;
  max: number;
  pattern?: RegExp;
  /** The pattern as AWS prints it in the message. */
  patternText?: string;
}

interface Violation {
  field: string;
  constraint: string;
  /** `null` prints "Value null at"; a string is echoed only by services that echo. */
  value: string | null;
}

export interface Validator {
  /** A string member; `required` reports "Member must not be null" when absent. */
  string(wire: string, field: string, shape: StringShape, required?: boolean): string | undefined;
  int(wire: string, field: string, range: { min: number; max: number }): number | undefined;
  bool(wire: string, field: string): boolean | undefined;
  oneOf<T extends string>(
    wire: string,
    field: string,
    values: readonly T[],
    required?: boolean,
  ): T | undefined;
  /** A list of strings, each of `shape`; lists report member problems the way AWS does. */
  stringList(
    wire: string,
    field: string,
    options: { shape: StringShape; maxItems?: number; required?: boolean; combined?: string },
  ): string[] | undefined;
  /** A custom violation (used by shapes with their own rules, e.g. tags). */
  violation(field: string, constraint: string, value?: string | null): void;
  /** Throws the collected violations as one ValidationError. */
  done(): void;
}

function lengthViolations(value: string, shape: StringShape): string[] {
  const out: string[] = [];
  if (value.length < shape.min) {
    out.push(`Member must have length greater than or equal to ${shape.min}`);
  }
  if (value.length > shape.max) {
    out.push(`Member must have length less than or equal to ${shape.max}`);
  }
  if (shape.pattern !== undefined && !shape.pattern.test(value)) {
    out.push(`Member must satisfy regular expression pattern: ${shape.patternText ?? ''}`);
  }
  return out;
}

export function validationMessage(violations: readonly Violation[], echo: boolean): string {
  const parts = violations.map((v) => {
    const shown = v.value === null ? ' null' : echo ? ` '${v.value}'` : '';
    return `Value${shown} at '${v.field}' failed to satisfy constraint: ${v.constraint}`;
  });
  const count = violations.length;
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}

export function createValidator(params: QueryParams, options: { echo: boolean }): Validator {
  const violations: Violation[] = [];
  const add = (field: string, constraint: string, value: string | null) =>
    violations.push({ field, constraint, value });
  const requiredMissing = (field: string) => add(field, 'Member must not be null', null);

  return {
    string(wire, field, shape, required = false) {
      const value = params.get(wire);
      if (value === undefined) {
        if (required) {
          requiredMissing(field);
        }
        return undefined;
      }
      for (const constraint of lengthViolations(value, shape)) {
        add(field, constraint, value);
      }
      return value;
    },
    int(wire, field, range) {
      const raw = params.get(wire);
      if (raw === undefined) {
        return undefined;
      }
      const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isNaN(value)) {
        add(field, 'Member must be an integer', raw);
        return undefined;
      }
      if (value < range.min) {
        add(field, `Member must have value greater than or equal to ${range.min}`, raw);
      }
      if (value > range.max) {
        add(field, `Member must have value less than or equal to ${range.max}`, raw);
      }
      return value;
    },
    bool(wire, field) {
      const raw = params.get(wire);
      if (raw === undefined) {
        return undefined;
      }
      if (raw !== 'true' && raw !== 'false') {
        add(field, 'Member must be a boolean', raw);
        return undefined;
      }
      return raw === 'true';
    },
    oneOf(wire, field, values, required = false) {
      const raw = params.get(wire);
      if (raw === undefined) {
        if (required) {
          requiredMissing(field);
        }
        return undefined;
      }
      if (!(values as readonly string[]).includes(raw)) {
        add(field, 'Member must satisfy enum value set', raw);
        return undefined;
      }
      return raw as (typeof values)[number];
    },
    stringList(wire, field, { shape, maxItems, required = false, combined }) {
      const list = params.list(wire);
      if (list === undefined) {
        if (required) {
          requiredMissing(field);
        }
        return undefined;
      }
      if (maxItems !== undefined && list.length > maxItems) {
        add(field, `Member must have length less than or equal to ${maxItems}`, list.join(','));
      }
      const bad = list.some((item) => lengthViolations(item, shape).length > 0);
      if (bad && combined !== undefined) {
        add(field, `Member must satisfy constraint: [${combined}]`, list.join(','));
      } else if (bad) {
        list.forEach((item, i) => {
          for (const constraint of lengthViolations(item, shape)) {
            add(`${field}.${i + 1}.member`, constraint, item);
          }
        });
      }
      return list;
    },
    violation(field, constraint, value = '') {
      add(field, constraint, value);
    },
    done() {
      if (violations.length > 0) {
        throw new IamError('ValidationError', 400, validationMessage(violations, options.echo));
      }
    },
  };
}

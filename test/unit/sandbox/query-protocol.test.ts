/** The Query protocol's parameter forms and the validation messages built from them. */
import { describe, expect, it } from 'vitest';

import { IamError } from '../../../src/sandbox/protocol/iam-error.ts';
import { parseQueryParams } from '../../../src/sandbox/protocol/query-params.ts';
import { EXISTING_USER_NAME, PASSWORD } from '../../../src/sandbox/protocol/shapes.ts';
import { createValidator } from '../../../src/sandbox/protocol/validator.ts';
import { readTagKeys, readTags } from '../../../src/sandbox/rules/tag-rules.ts';

function validationMessage(
  body: string,
  check: (v: ReturnType<typeof createValidator>) => void,
  echo = false,
) {
  const v = createValidator(parseQueryParams(body), { echo });
  check(v);
  try {
    v.done();
  } catch (err) {
    return (err as IamError).message;
  }
  return undefined;
}

describe('Query protocol parameters', () => {
  it('reads lists, lists of structures (1-based, in index order) and bare empty lists', () => {
    const params = parseQueryParams(
      'Action=TagUser&Tags.member.2.Key=b&Tags.member.2.Value=&Tags.member.1.Key=a&Tags.member.1.Value=x%20y&TagKeys=&ActionNames.member.1=iam%3AGetUser',
    );
    expect(params.get('Action')).toBe('TagUser');
    expect(params.structList('Tags', ['Key', 'Value'])).toEqual([
      { Key: 'a', Value: 'x y' },
      { Key: 'b', Value: '' },
    ]);
    expect(params.list('TagKeys')).toEqual([]);
    expect(params.list('ActionNames')).toEqual(['iam:GetUser']);
    expect(params.list('ResourceArns')).toBeUndefined();
  });

  it('reports a missing required member as "Value null" and never echoes IAM values', () => {
    expect(
      validationMessage('Action=GetUser', (v) =>
        v.string('UserName', 'userName', EXISTING_USER_NAME, true),
      ),
    ).toBe(
      "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    );
    expect(
      validationMessage('UserName=bad%20name%21', (v) =>
        v.string('UserName', 'userName', EXISTING_USER_NAME),
      ),
    ).toBe(
      "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('lists every violation, counted, in order', () => {
    const message = validationMessage(`UserName=${'u'.repeat(129)}&MaxItems=0&Password=`, (v) => {
      v.string('UserName', 'userName', EXISTING_USER_NAME);
      v.int('MaxItems', 'maxItems', { min: 1, max: 1000 });
      v.string('Password', 'password', PASSWORD);
    });
    expect(message).toBe(
      "4 validation errors detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128; " +
        "Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    );
  });

  it('echoes values where the service does (STS)', () => {
    expect(
      validationMessage(
        'RoleSessionName=x',
        (v) => v.string('RoleSessionName', 'roleSessionName', { min: 2, max: 64 }),
        true,
      ),
    ).toBe(
      "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
  });

  it('words tag problems as IAM does (validated texts, iam-api.md §3)', () => {
    const tags = Array.from(
      { length: 51 },
      (_, i) => `Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`,
    ).join('&');
    expect(validationMessage(tags, (v) => readTags(v, parseQueryParams(tags), true))).toBe(
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
    const long = `Tags.member.1.Key=${'k'.repeat(129)}&Tags.member.1.Value=${'v'.repeat(257)}`;
    expect(validationMessage(long, (v) => readTags(v, parseQueryParams(long), true))).toBe(
      "2 validation errors detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128; " +
        "Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    const bad = 'Tags.member.1.Key=k%23&Tags.member.1.Value=v';
    expect(validationMessage(bad, (v) => readTags(v, parseQueryParams(bad), true))).toBe(
      "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    expect(
      validationMessage('TagKeys.member.1=ok&TagKeys.member.2=', (v) => readTagKeys(v, true)),
    ).toBe(
      "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]",
    );
  });

  it('is an IamError ValidationError 400', () => {
    const v = createValidator(parseQueryParams(''), { echo: false });
    v.int('MaxItems', 'maxItems', { min: 1, max: 1000 });
    v.violation('x', 'Member must not be null', null);
    expect(() => v.done()).toThrow(IamError);
    try {
      v.done();
    } catch (err) {
      expect(err).toMatchObject({ code: 'ValidationError', status: 400, type: 'Sender' });
    }
  });
});

/** String shapes of the IAM and STS service models that the sandbox validates (iam-api.md §4, §5). */
import type { StringShape } from './validator.ts';

const NAME_CHARS = /^[\w+=,.@-]+$/;

/** Where an existing user is named (GetUser, ListAccessKeys, TagUser, …): lookups accept 128. */
export const EXISTING_USER_NAME: StringShape = {
  min: 1,
  max: 128,
  pattern: NAME_CHARS,
  patternText: '[\\w+=,.@-]+',
};

/** CreateUser and the login-profile actions. */
export const USER_NAME: StringShape = { ...EXISTING_USER_NAME, max: 64 };

export const PATH: StringShape = {
  min: 1,
  max: 512,
  pattern: /^(\/|\/[\u0021-\u007E]+\/)$/,
  patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
};

export const PATH_PREFIX: StringShape = {
  min: 1,
  max: 512,
  pattern: /^\/[\u0021-\u007F]*$/,
  patternText: '\\u002F[\\u0021-\\u007F]*',
};

export const MARKER: StringShape = {
  min: 1,
  max: 320,
  pattern: /^[\u0020-\u00FF]+$/,
  patternText: '[\\u0020-\\u00FF]+',
};

export const ACCESS_KEY_ID: StringShape = {
  min: 16,
  max: 128,
  pattern: /^\w+$/,
  patternText: '[\\w]+',
};

// Tab, LF and CR are legal in passwords and policy documents (the model's pattern).
/* eslint-disable no-control-regex */
export const PASSWORD: StringShape = {
  min: 1,
  max: 128,
  pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
};

export const POLICY_NAME: StringShape = { ...EXISTING_USER_NAME, max: 128 };

export const POLICY_DOCUMENT: StringShape = { ...PASSWORD, max: 131072 };

export const ROLE_NAME: StringShape = { ...EXISTING_USER_NAME, max: 64 };

export const ROLE_DESCRIPTION: StringShape = {
  min: 0,
  max: 1000,
  pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/,
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
};
/* eslint-enable no-control-regex */

export const ARN: StringShape = { min: 20, max: 2048 };

export const ACTION_NAME: StringShape = { min: 3, max: 128 };

export const RESOURCE_NAME: StringShape = { min: 1, max: 2048 };

export const TAG_KEY: StringShape = {
  min: 1,
  max: 128,
  pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
};

export const TAG_VALUE: StringShape = {
  min: 0,
  max: 256,
  pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  patternText: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
};

/** STS AssumeRole. */
export const ROLE_SESSION_NAME: StringShape = {
  min: 2,
  max: 64,
  pattern: /^[\w+=,.@-]*$/,
  patternText: '[\\w+=,.@-]*',
};

export const EXTERNAL_ID: StringShape = {
  min: 2,
  max: 1224,
  pattern: /^[\w+=,.@:/-]*$/,
  patternText: '[\\w+=,.@:\\/-]*',
};

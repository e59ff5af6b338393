/**
 * The folder boundaries are enforced by `npm run lint`: a file planted where it breaks one is
 * refused, naming the boundary. Lints through ESLint's API with the repository's own config
 * (type information off: the boundary rules need none, and a full program takes too long).
 */
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BOUNDARY_RULES = [
  'no-restricted-imports',
  'no-restricted-properties',
  'no-restricted-syntax',
];

let eslint: ESLint;
beforeAll(async () => {
  eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });
  // Loading the config and the parser takes seconds on a busy machine: not any one test's time.
  await eslint.lintText('', { filePath: `${root}src/planted.ts` });
}, 60_000);

/** Every problem lint reports for `code` planted at `path` (relative to the repository). */
async function lintPlanted(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}

describe('npm run lint', () => {
  it.each([
    ['src/jobs/planted.ts', "export { Queue } from 'bullmq';", /BullMQ stays in/],
    ['src/jobs/planted.ts', "export type { Redis } from 'ioredis';", /not Redis clients/],
    [
      'src/jobs/x/planted.ts',
      "export { createProcessor } from '../../workers/create-processor.ts';",
      /never imports src\/workers/,
    ],
    [
      'src/jobs/planted.ts',
      "export type { HttpDeps } from '../http/http-deps.ts';",
      /never imports src\/http/,
    ],
    [
      'src/jobs/planted.ts',
      "export { IAMClient } from '@aws-sdk/client-iam';",
      /Only src\/iam\/ imports the AWS SDK/,
    ],
    [
      'src/vault/planted.ts',
      "export type { Logger } from '@smithy/types';",
      /Only src\/iam\/ imports the AWS SDK/,
    ],
    [
      'src/sandbox/planted.ts',
      "export { IAMClient } from '@aws-sdk/client-iam';",
      /Only src\/iam\/ imports the AWS SDK/,
    ],
    [
      'src/http/planted.ts',
      "export { createSandbox } from '../sandbox/create-sandbox.ts';",
      /never imports src\/sandbox/,
    ],
    [
      'src/cli/commands/planted.ts',
      "export type { Sandbox } from '../../sandbox/create-sandbox.ts';",
      /never imports src\/sandbox/,
    ],
    [
      'src/app/planted.ts',
      "export const load = () => import('../sandbox/create-sandbox.ts');",
      /Import statically/,
    ],
    [
      'src/app/planted.ts',
      'export const url = process.env.REDIS_URL;',
      /Only src\/main.ts and src\/config\/load-config.ts read the environment/,
    ],
    [
      'src/queue/planted.ts',
      'const { env } = process;\nexport const url = env.REDIS_URL;',
      /read the environment/,
    ],
    ['src/logger.ts', "export { env } from 'node:process';", /read the environment/],
    ['src/passwords/planted.ts', "export type { Redis } from 'ioredis';", /not Redis clients/],
    ['src/passwords/planted.ts', "export { Queue } from 'bullmq';", /BullMQ stays in/],
  ])('fails on %s: %s', async (path, code, message) => {
    const problems = await lintPlanted(path, code);
    expect(problems).toContainEqual({
      rule: expect.toSatisfy((rule: string) => BOUNDARY_RULES.includes(rule)),
      message: expect.stringMatching(message),
    });
  });

  it.each([
    [
      'src/jobs/planted.ts',
      "import { z } from 'zod';\n\nimport { PermanentError } from '../errors.ts';\nimport type { SecretStore } from '../vault/secret-store.ts';\n\nexport const parts = [z.string(), PermanentError] as const;\nexport type Store = SecretStore;",
    ],
    ['src/iam/planted.ts', "export { IAMClient } from '@aws-sdk/client-iam';"],
    ['src/workers/planted.ts', "export { Worker } from 'bullmq';"],
    [
      'src/cli/commands/sandbox.ts',
      "export { createSandbox } from '../../sandbox/create-sandbox.ts';",
    ],
    ['src/cli/program.ts', "export { registerSandbox } from './commands/sandbox.ts';"],
    ['src/demo/planted.ts', "export { createSandbox } from '../sandbox/create-sandbox.ts';"],
    ['src/config/load-config.ts', 'export const url = process.env.REDIS_URL;'],
    ['src/main.ts', 'export const url = process.env.REDIS_URL;'],
    ['test/redis/planted.test.ts', 'export const url = process.env.REDIS_URL;'],
  ])('passes %s: %s', async (path, code) => {
    expect(await lintPlanted(path, code)).toEqual([]);
  });
});

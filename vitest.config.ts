/**
 * Test projects: `unit` (no I/O), `redis` (real Redis, no IAM), `integration-<backend>` (real Redis and a real IAM backend,
 * once per backend: moto, sandbox when it exists, aws only with IAM_TEST_AWS_CONFIRM=yes),
 * `integration-readme` (the README's walkthrough and npm's wrappers, on the built CLI),
 * `crash` (faults: paused or killed processes, silenced links; one file at a time, after the
 * others, as they are sensitive to load) and `slow` (large-scale runs, `npm run test:slow`).
 * IAM_TEST_BACKEND narrows integration to one.
 */
import { existsSync } from 'node:fs';

import { defineConfig } from 'vitest/config';

// Worker processes inherit this: the SDK's Node 20 notice would repeat in every file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const available = ['moto'];
if (existsSync('src/sandbox/create-sandbox.ts')) {
  available.push('sandbox');
}
if (process.env.IAM_TEST_AWS_CONFIRM === 'yes') {
  available.push('aws');
}
const only = process.env.IAM_TEST_BACKEND;
const backends = only ? [only] : available;

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'redis',
          include: ['test/redis/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      ...backends.map((backend) => ({
        extends: true as const,
        test: {
          name: `integration-${backend}`,
          globalSetup: ['test/support/global-setup.ts'],
          include: ['test/integration/**/*.test.ts'],
          env: { IAM_TEST_BACKEND: backend },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      })),
      {
        extends: true,
        test: {
          // The README's commands as a user runs them: `npx iam-pam` (built dist/) and npm's wrappers.
          name: 'integration-readme',
          globalSetup: ['test/support/global-setup.ts', 'test/support/build-setup.ts'],
          include: ['test/readme/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'crash',
          include: ['test/crash/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          globalSetup: ['test/support/global-setup.ts'],
          include: ['test/slow/**/*.test.ts'],
          env: { IAM_TEST_BACKEND: only ?? 'sandbox' },
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

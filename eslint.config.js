// Flat config: typescript-eslint type-checked rules, plus the folder boundaries of STYLE.md §4.3
// (test/unit/lint-boundaries.test.ts plants a file breaking each one).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// The folder boundaries of STYLE.md §4.3, as import patterns matched against the specifier.
const awsSdk = {
  regex: '^@(aws-sdk|smithy)/',
  message:
    'Only src/iam/ imports the AWS SDK: go through the IamGateway port (src/iam/iam-gateway.ts).',
};
const sandbox = {
  regex: '(^|/)sandbox/',
  message:
    'Production code never imports src/sandbox/: only the `sandbox` and `demo` CLI commands (and src/demo/) start it.',
};
const envMessage =
  'Only src/main.ts and src/config/load-config.ts read the environment: take config instead.';
const processEnv = ['node:process', 'process'].map((name) => ({
  name,
  importNames: ['env'],
  message: envMessage,
}));
const bullmq = {
  regex: '^bullmq$',
  message:
    'BullMQ stays in producers/, workers/, queue/, dead-letter/ and http/: this folder gets ports.',
};
const redis = {
  regex: '^ioredis$',
  message: 'src/jobs/ and src/passwords/ get ports, not Redis clients.',
};
const workers = {
  regex: '(^|/)workers/',
  message: 'src/jobs/ never imports src/workers/: jobs say what work exists, not how it runs.',
};
const http = {
  regex: '(^|/)http/',
  message: 'src/jobs/ never imports src/http/: the API enqueues jobs, not the other way round.',
};

// Flat config replaces a rule's options instead of merging them, so each block lists every
// restriction of its folders; the later block wins for the files it matches.
const restrictImports = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths: processEnv, patterns }] },
});
const boundaries = [
  restrictImports(['src/**/*.ts'], [awsSdk, sandbox]),
  restrictImports(['src/iam/**/*.ts'], [sandbox, bullmq]),
  restrictImports(['src/vault/**/*.ts', 'src/config/**/*.ts'], [awsSdk, sandbox, bullmq]),
  restrictImports(['src/jobs/**/*.ts'], [awsSdk, sandbox, bullmq, redis, workers, http]),
  // Pure modules the jobs import.
  restrictImports(['src/passwords/**/*.ts'], [awsSdk, sandbox, bullmq, redis]),
  restrictImports(
    [
      'src/sandbox/**/*.ts',
      'src/cli/commands/sandbox.ts',
      'src/cli/commands/demo.ts',
      'src/demo/**/*.ts',
    ],
    [awsSdk],
  ),
  {
    files: ['src/**/*.ts'],
    rules: {
      // import() would slip past the import rules above.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression',
          message: 'Import statically, so the folder boundaries (eslint.config.js) can check it.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/config/load-config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: envMessage },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Command bodies and hooks are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      curly: 'error',
    },
  },
  ...boundaries,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      // expect.any()/stringMatching() and job.data are typed `any` by their libraries.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // Parsed HTTP bodies in assertions.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);

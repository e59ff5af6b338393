// Flat config: typescript-eslint type-checked rules, plus the folder import rules of STYLE.md §4.3.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const awsSdk = {
  group: ['@aws-sdk/*', '@smithy/*'],
  message: 'The AWS SDK is used only under src/iam/.',
};
const bullmq = {
  group: ['bullmq'],
  message: 'Only producers/, workers/, http/, queue/ and cli/ speak BullMQ.',
};
const redis = { group: ['ioredis'], message: 'jobs/ get ports, not Redis clients.' };

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
  {
    files: ['src/**/*.ts'],
    ignores: ['src/iam/**', 'src/sandbox/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [awsSdk] }] },
  },
  {
    // Jobs, and the pure modules they import.
    files: ['src/jobs/**/*.ts', 'src/passwords/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [awsSdk, bullmq, redis] }] },
  },
  {
    files: ['src/iam/**/*.ts', 'src/vault/**/*.ts', 'src/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [bullmq] }] },
  },
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

// ESLint (flat config) with typescript-eslint's recommended rules: `npm run lint`, zero warnings.
// Rules are tuned to the house style where it deliberately differs (noted per rule); formatting is
// not ESLint's job here and no rule rewrites layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['node_modules/**', 'cdk.out/**', '.kneadpay/**', 'coverage/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      // Node's globals the two plain-JS files use (TypeScript files are checked by tsc, not no-undef).
      globals: { process: 'readonly', console: 'readonly' },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a value left out on purpose (destructuring to drop a field, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `let x = initial;` then assigned in a loop or a try is the house idiom (polling loops, body
      // parsing); TypeScript's definite-assignment check already covers the hazard this rule is for.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Tests and benches read raw wire data (DynamoDB items, Stripe and API answers) by shape, and
    // assert on it; `any` there is the reading, not a hole in a typed API. Code that ships stays strict.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

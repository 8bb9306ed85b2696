// ESLint (flat config): recommended rules for TypeScript, zero warnings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.bench-dist*/**', 'node_modules/**', 'coverage/**', 'config/*.js', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Every CSV is written through src/common/csv.ts, which escapes formulas.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'csv-stringify', message: 'write CSV with csvStream() from src/common/csv.ts' }] },
      ],
    },
  },
);

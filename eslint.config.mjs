// ESLint (flat config): recommended rules for TypeScript, zero warnings, and the module layers.
import js from '@eslint/js';
import { readFileSync } from 'node:fs';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom to top, from config/architecture.json (docs/architecture.md draws
 * them). A module may import from the layers below its own, and from the modules of its own layer
 * named in `sideways`; never upward. `app` is the application's roots (app.module.ts,
 * worker.module.ts, routes.ts, …), and `cli` the command-line tools that start them.
 */
const { layers: LAYERS, sideways: SIDEWAYS } = JSON.parse(
  readFileSync(new URL('./config/architecture.json', import.meta.url), 'utf8'),
);

const below = (module) =>
  LAYERS.slice(
    0,
    LAYERS.findIndex((layer) => layer.includes(module)),
  ).flat();
const modules = LAYERS.flat();

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
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
      'boundaries/elements': [
        ...modules.filter((m) => m !== 'app').map((m) => ({ type: m, pattern: `src/${m}` })),
        // The roots are files, not a folder; `mode: 'file'` is the plugin's one way to say so (it warns that
        // the option is deprecated, with no replacement for an element made of loose files).
        { type: 'app', pattern: 'src/*.ts', mode: 'file' },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: '{{from.type}} is below {{to.type}} (docs/architecture.md): import downward only',
          policies: modules.map((m) => ({
            from: { element: { type: m } },
            allow: { to: { element: { types: { anyOf: [m, ...below(m), ...(SIDEWAYS[m] ?? [])] } } } },
          })),
        },
      ],
    },
  },
);

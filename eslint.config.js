// ESLint for ws-echo: typescript-eslint's recommended rules; Prettier owns the layout; functions in src/ stay short.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...require('globals').node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Escaping client text and reading ANSI colours means matching control characters on purpose.
      'no-control-regex': 'off',
      'max-len': [
        'error',
        { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.mts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: false, skipComments: false }] },
  },
  {
    // Timers come from node:timers: a test environment that looks like a browser (Jest's jsdom) replaces or removes the
    // globals (no setImmediate, timers without refresh() or unref()), and the server must still run there.
    files: ['src/**/*.ts', 'src/**/*.mts'],
    ignores: ['src/console/page-script.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'].map(
          (name) => ({ name, message: `import { ${name} } from 'node:timers' (the server runs under jsdom too)` }),
        ),
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    // Node 20's global WebSocket and crypto are not what these scripts mean: they require ws and node:crypto.
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
);

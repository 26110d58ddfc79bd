// @ts-check
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (DESIGN.md), highest first: a file may import its own layer and the
 * layers below it, never one above. clock.ts, names.ts and errors.ts sit at the bottom,
 * beside internal/. src/index.ts (the export list) and src/demo/ may import anything;
 * nothing imports them.
 */
const LAYERS = [
  ['integrations', ['src/integrations']],
  ['cluster', ['src/cluster']],
  ['exposition', ['src/exposition']],
  ['reporters', ['src/reporters']],
  ['clients', ['src/clients']],
  ['formats', ['src/formats']],
  ['transports', ['src/transports']],
  ['registry', ['src/registry']],
  ['metrics', ['src/metrics']],
  ['stats', ['src/stats']],
  ['internal', ['src/internal', 'src/clock.ts', 'src/names.ts', 'src/errors.ts']],
];
const ORDER = LAYERS.map(([name]) => name).join(' > ');
const LAYER_ZONES = LAYERS.slice(1).map(([name, target], i) => ({
  target,
  from: LAYERS.slice(0, i + 1).flatMap(([, paths]) => paths),
  message: `src/${name} may import only its own layer and the layers below it: ${ORDER} (DESIGN.md; docs/architecture.md).`,
}));
const TOP_ZONE = {
  target: LAYERS.flatMap(([, paths]) => paths),
  from: ['src/index.ts', 'src/demo'],
  message: 'src/index.ts and src/demo/ are the top: nothing in the library imports them.',
};

export default tseslint.config(
  { ignores: ['dist/', 'docs/api/', 'coverage/', 'node_modules/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unified-signatures': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Import boundaries. Relative imports name the emitted '.js'; the resolver maps them
    // to the '.ts' sources (an import it cannot resolve would escape the boundary rule,
    // so no-unresolved makes that loud).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: [...LAYER_ZONES, TOP_ZONE] }],
      'import-x/no-unresolved': 'error',
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);

import path from 'node:path';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Module boundaries (issue #11; test/architecture.test.ts checks the same over the whole graph).
// A feature reaches another one through its public face, never its repository or its Drizzle
// schema — a *.schema.ts may still name another feature's *.schema.ts for a foreign key — and
// server/core names no feature. Relative specifiers are resolved against the importing file, so
// the rule knows which feature each side belongs to; no-restricted-imports patterns cannot say
// "another feature than this one".
const FEATURE_PATH = /^server\/features\/([^/]+)\/(.+)$/;

/** The feature and file name a specifier lands on, or undefined outside server/features. */
function featureFileOf(context, specifier) {
  if (typeof specifier !== 'string' || !specifier.startsWith('.')) return undefined;
  const target = path.relative(import.meta.dirname, path.resolve(path.dirname(context.filename), specifier)).split(path.sep).join('/');
  const match = FEATURE_PATH.exec(target);
  return match ? { feature: match[1], file: match[2], target } : undefined;
}

/** Calls `check` with every specifier of an import, export-from or dynamic import. */
function eachSpecifier(check) {
  const visit = (node) => {
    if (node.source?.type === 'Literal') check(node.source, node.source.value);
  };
  return { ImportDeclaration: visit, ExportAllDeclaration: visit, ExportNamedDeclaration: visit, ImportExpression: visit };
}

const boundaries = {
  rules: {
    'no-foreign-feature-internals': {
      meta: {
        type: 'problem',
        docs: { description: "A feature does not import another feature's *.repository or *.schema (schema → schema is allowed)." },
        messages: {
          repository: "'{{target}}' is the repository of the {{other}} feature: use its public face (its service, *.dto, *.public or module api).",
          schema: "'{{target}}' is the schema of the {{other}} feature: read its tables through server/core/db/schema.",
        },
        schema: [],
      },
      create(context) {
        const self = featureFileOf(context, `./${path.basename(context.filename)}`);
        if (!self) return {};
        const fromSchema = /\.schema\.ts$/.test(self.file);
        return eachSpecifier((node, specifier) => {
          const other = featureFileOf(context, specifier);
          if (!other || other.feature === self.feature) return;
          const role = /\.repository(\.[cm]?[jt]s)?$/.test(other.file)
            ? 'repository'
            : /\.schema(\.[cm]?[jt]s)?$/.test(other.file) && !fromSchema
              ? 'schema'
              : undefined;
          if (role) context.report({ node, messageId: role, data: { target: other.target, other: other.feature } });
        });
      },
    },
    'core-imports-no-feature': {
      meta: {
        type: 'problem',
        docs: { description: 'server/core is the platform every feature stands on: it imports no feature.' },
        messages: { feature: "server/core imports no feature ('{{target}}'): move what both need into server/core, or pass it in through the module." },
        schema: [],
      },
      create(context) {
        return eachSpecifier((node, specifier) => {
          const other = featureFileOf(context, specifier);
          if (other) context.report({ node, messageId: 'feature', data: { target: other.target } });
        });
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'client/dist/', 'node_modules/', 'coverage/', 'data/', 'server/core/db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through server/config.ts, not process.env.',
        },
      ],
    },
  },
  {
    // Type-aware rules where promises matter most: a floating promise on the server is a lost error.
    files: ['server/**/*.ts', 'shared/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    files: ['server/features/**/*.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/no-foreign-feature-internals': 'error' },
  },
  {
    // The Drizzle schema aggregator gathers every feature's tables; tests may arrange features.
    files: ['server/core/**/*.ts'],
    ignores: ['server/core/db/schema.ts', '**/*.test.ts'],
    plugins: { boundaries },
    rules: { 'boundaries/core-imports-no-feature': 'error' },
  },
  {
    files: ['client/**/*.ts', 'client/**/*.svelte', 'client/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    // Only configuration, tests, scripts and the tools that start things may read the environment.
    files: ['server/config.ts', 'server/main.ts', 'test/**', 'scripts/**', '**/*.config.*', 'client/vite.config.mts', 'jest.config.cjs'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

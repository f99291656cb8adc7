// Lint: typescript-eslint's recommended rules, plus the type-aware promise rules that catch an
// un-awaited Temporal or database call, plus what keeps workflow code deterministic.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'crypto', 'dgram', 'dns',
  'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks',
  'process', 'querystring', 'readline', 'stream', 'timers', 'tls', 'tty', 'url', 'util', 'v8', 'vm',
  'worker_threads', 'zlib',
];

/** The import rule for one folder: nothing from `outer` layers (type-only imports allowed), plus `extra` patterns. */
function restrictedImports(outer, extra) {
  return {
    'no-restricted-imports': 'off',
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...outer.map((folder) => ({
            regex: `^(\\.\\./)+${folder}(/|$)`,
            allowTypeImports: true,
            message: `Layering: this folder must not import from ${folder}/ (see the README's architecture section).`,
          })),
          ...extra,
        ],
      },
    ],
  };
}

/**
 * Workflow code and the domain it runs are bundled, and every cached workflow evaluates the
 * bundle's modules anew: zod's schemas cost about 1 MB a workflow, so they stay out of it.
 */
const zodFreeBundle = [
  { regex: '^zod(/|$)', message: 'Workflow and domain code stay free of zod: each cached workflow would build its own schemas.' },
  {
    regex: '^(\\.\\./)+config/schema$',
    allowTypeImports: true,
    message: 'Only types from config/schema here (its zod schemas would be built per cached workflow); values live in config/defaults.',
  },
];

function layer(folder, outer, extra = [], ignores = []) {
  return { files: [`${folder}/**/*.ts`], ignores, rules: restrictedImports(outer, extra) };
}

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.run/', 'models/', 'data/', 'coverage/'] },
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Product code logs through pino; scripts, benchmarks and tests talk to a terminal.
    files: ['**/*.ts'],
    ignores: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests read HTTP bodies and framework internals as untyped JSON.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Layers, innermost first: config, domain, ai, db, report, activities, workflows, app, api,
  // workers. A folder imports only from layers inside it (types excepted where a workflow names an
  // activity's signature); api/server.ts and workers/ are where the outer pieces are put together.
  layer('config', ['domain', 'ai', 'db', 'report', 'activities', 'workflows', 'app', 'api', 'workers']),
  layer('domain', ['ai', 'db', 'report', 'activities', 'workflows', 'app', 'api', 'workers'], zodFreeBundle),
  layer('ai', ['db', 'report', 'activities', 'workflows', 'app', 'api', 'workers']),
  layer('db', ['report', 'activities', 'workflows', 'app', 'api', 'workers']),
  layer('report', ['activities', 'workflows', 'app', 'api', 'workers']),
  layer('activities', ['report', 'workflows', 'app', 'api', 'workers']),
  // Workflow code is replayed: no I/O, no clocks or randomness from Node.
  layer('workflows', ['ai', 'db', 'report', 'activities', 'app', 'api', 'workers'], [
    ...nodeBuiltins.map((name) => ({ regex: `^(node:)?${name}$`, message: 'Workflow code must be deterministic: no Node built-ins (use activities).' })),
    ...zodFreeBundle,
  ]),
  layer('app', ['activities', 'api', 'workers']),
  layer('api', ['db', 'ai', 'report', 'activities', 'workflows', 'workers'], [], ['api/server.ts']),
  // The typed client and the widget run in browsers and in other people's code: nothing of the
  // server's reaches them but the API itself (client/ is generated from its OpenAPI document).
  layer('client', ['config', 'domain', 'ai', 'db', 'report', 'activities', 'workflows', 'app', 'api', 'workers']),
  layer('web', ['config', 'domain', 'ai', 'db', 'report', 'activities', 'workflows', 'app', 'api', 'workers']),
  {
    // The API's composition root connects the database; routes reach it only through app/.
    files: ['api/server.ts'],
    rules: restrictedImports(['ai', 'report', 'activities', 'workflows', 'workers'], []),
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);

import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The folders' import boundaries are enforced by lint (eslint.config.mjs), which ./tandem test runs.
// These cases check that the rule really rejects what it promises to, and lets the rest through:
// ESLint lints each snippet as if it were the named file (in one child process, as Jest's module
// sandbox cannot load ESLint's ESM configuration).

const root = path.resolve(__dirname, '..', '..', '..');

const LINT_SNIPPETS = `
const { ESLint } = require('eslint');
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const errors = [];
  for (const { file, code } of cases) {
    const [result] = await eslint.lintText(code, { filePath: file });
    errors.push(result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(errors));
})();
`;

const cases = {
  domainImportsDatabase: {
    file: 'domain/text.ts',
    code: "import { readConversation } from '../db/conversations';\nexport const read = readConversation;\n",
  },
  routeSkipsApplicationLayer: {
    file: 'api/routes/knowledge.ts',
    code: "import { listArticles } from '../../db/knowledge';\nimport { conversationQuery } from '../../workflows/definitions';\nexport const used = [listArticles, conversationQuery];\n",
  },
  workflowImportsNodeAndActivityCode: {
    file: 'workflows/serial.ts',
    code: "import { readFileSync } from 'node:fs';\nimport { createActivities } from '../activities';\nimport type { Activities } from '../activities';\nexport const used: unknown[] = [readFileSync, createActivities];\nexport type A = Activities;\n",
  },
  routeCallsUseCase: {
    file: 'api/routes/knowledge.ts',
    code: "import { readArticle } from '../../app/knowledge';\nexport const read = readArticle;\n",
  },
  widgetImportsServerCode: {
    file: 'web/widget/sse.ts',
    code: "import { ANONYMOUS_VISITOR_NAME } from '../../domain/types';\nimport { createTandemClient } from '../../client';\nexport const used = [ANONYMOUS_VISITOR_NAME, createTandemClient];\n",
  },
};

let errors: Record<keyof typeof cases, string[]>;

beforeAll(() => {
  const names = Object.keys(cases) as (keyof typeof cases)[];
  const lint = spawnSync(process.execPath, ['-e', LINT_SNIPPETS], { cwd: root, input: JSON.stringify(names.map((n) => cases[n])), encoding: 'utf8' });
  if (lint.status !== 0) throw new Error(lint.stderr);
  const results = JSON.parse(lint.stdout) as string[][];
  errors = Object.fromEntries(names.map((name, i) => [name, results[i] ?? []])) as typeof errors;
}, 120_000);

describe('layering lint rule', () => {
  test('when the domain imports the database layer, then lint fails naming the layer', () => {
    expect(errors.domainImportsDatabase).toEqual([expect.stringContaining('must not import from db/')]);
  });

  test('when a route reaches the database or Temporal workflows past the application layer, then lint fails', () => {
    expect(errors.routeSkipsApplicationLayer).toEqual([
      expect.stringContaining('must not import from db/'),
      expect.stringContaining('must not import from workflows/'),
    ]);
  });

  test('when workflow code imports a Node built-in or activity code, then lint fails; an activity type is fine', () => {
    expect(errors.workflowImportsNodeAndActivityCode).toEqual([
      expect.stringContaining('deterministic'),
      expect.stringContaining('must not import from activities/'),
    ]);
  });

  test('when the browser widget imports server code, then lint fails; the typed client is fine', () => {
    expect(errors.widgetImportsServerCode).toEqual([expect.stringContaining('must not import from domain/')]);
  });

  test('when a route calls a use case, then lint passes', () => {
    expect(errors.routeCallsUseCase).toEqual([]);
  });
});

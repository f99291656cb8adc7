import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The typed client cannot drift from the API: its types are regenerated from the document the API
// serves (the same openApiDocument(); test/integration/openapi.test.ts checks they are equal) and
// compared with the checked-in ones. tsc then checks the widget and the tests against them.

const ROOT = join(__dirname, '..', '..', '..');

test('when the client types are regenerated from the OpenAPI document, then they equal the checked-in client/schema.d.ts', () => {
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/generate-client.ts', '--check'], { cwd: ROOT, encoding: 'utf8' });

  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
}, 30_000);

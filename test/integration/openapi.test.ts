import { startTandem, type Tandem } from '../support/harness';
import { openApiDocument, operations } from '../../api/openapi';

let tandem: Tandem;

beforeAll(async () => {
  tandem = await startTandem();
});

afterAll(async () => {
  await tandem?.stop();
});

/** Every method and path the express app really serves, in OpenAPI's {param} form. */
function servedRoutes(app: unknown): string[] {
  const routes: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method} ${String(layer.route.path).replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as { router: { stack: any[] } }).router.stack);
  return routes.sort();
}

test('when the document is fetched, then it is OpenAPI 3 and lists exactly the routes the app serves', async () => {
  const { createApp } = await import('../../api/server');
  const app = createApp(tandem.api.deps);

  const res = await tandem.call('GET', '/openapi.json');

  expect(res.status).toBe(200);
  expect(res.body.openapi).toMatch(/^3\./);
  const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`))
    .sort();
  expect(documented).toEqual(servedRoutes(app));
  expect(documented).toEqual(operations.map((o) => `${o.method} ${o.path}`).sort());
  // The typed client is generated from openApiDocument() (test/unit/client): the served one is that.
  expect(res.body).toEqual(openApiDocument());
});

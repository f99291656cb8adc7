import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

// Tandem's typed client: request bodies, parameters and (where documented) responses come from the
// OpenAPI document, generated into schema.d.ts by scripts/generate-client.ts. Plain fetch, so it runs
// in Node and in the browser (the chat widget uses it).

export type { paths, components, operations } from './schema';
export type TandemClient = Client<paths>;

/** A client for `baseUrl` that sends `credential` (API key, conversation or visitor token, agent token, operator key). */
export function createTandemClient(baseUrl: string, credential?: string, fetchImpl?: typeof fetch): TandemClient {
  return createClient<paths>({
    baseUrl,
    headers: credential ? { authorization: `Bearer ${credential}` } : undefined,
    // Bound at call time so a page's own fetch wrapper (or a test's) is used.
    fetch: fetchImpl ?? ((request: Request) => fetch(request)),
  });
}

import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalTestServer } from '../../scripts/stack/install';
import { SEARCH_ATTRIBUTES } from '../../scripts/stack/services';

/** Temporal's time-skipping test server, installed by the project's own script, with the dev server's search attributes. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const executable = await ensureTemporalTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
  await registerSearchAttributes(env);
  return env;
}

/** The test server refuses a workflow that sets a search attribute it does not know: the dev server's set. */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const types = temporal.api.enums.v1.IndexedValueType as unknown as Record<string, temporal.api.enums.v1.IndexedValueType>;
  const typeOf = (name: string): temporal.api.enums.v1.IndexedValueType => {
    // 'KeywordList' → INDEXED_VALUE_TYPE_KEYWORD_LIST
    const type = types[`INDEXED_VALUE_TYPE_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`];
    if (type === undefined) throw new Error(`no search attribute type ${name}`);
    return type;
  };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([key, type]) => [key, typeOf(type)])),
  });
}

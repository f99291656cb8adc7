import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import type { SupportConfig } from '../../config/schema';
import { conversationWorkflowId } from '../../domain/ids';
import type { conversationWorkflow } from '../../workflows';
import { workflowBundle } from './workflow-bundle';
import { ensureTemporalTestServer } from '../../scripts/stack/install';
import { SEARCH_ATTRIBUTES } from '../../scripts/stack/services';

/**
 * Temporal's time-skipping test server for the tests of one file, installed by the project's own
 * script, with the dev server's search attributes; torn down after them. Call it at the top level.
 */
export function useTimeSkippingEnvironment(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    const executable = await ensureTemporalTestServer();
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
    await registerSearchAttributes(env);
  }, 300_000);
  afterAll(async () => {
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the time-skipping environment starts in beforeAll');
    return env;
  };
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

/**
 * Runs `body` with a worker of its own on a fresh task queue (the real workflows, the given stub
 * activities) and a new conversation of Dana's under `config`.
 */
export async function withConversation(
  env: TestWorkflowEnvironment,
  setup: { activities: Partial<Activities>; config: SupportConfig },
  body: (conversation: WorkflowHandle<typeof conversationWorkflow>) => Promise<void>,
): Promise<void> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: setup.activities,
  });
  await worker.runUntil(async () => {
    const conversationId = randomUUID();
    const conversation = await env.client.workflow.start<typeof conversationWorkflow>('conversationWorkflow', {
      taskQueue,
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId, customer: { id: 'cust-1', name: 'Dana Scully' }, config: setup.config }],
    });
    await body(conversation);
  });
}

// Records a conversation workflow history for the replay test (test/integration/replay.test.ts).
// Run it against a running stack after an intended, patched change to the workflow:
//   TEMPORAL_ADDRESS=127.0.0.1:17233 MONGO_URL=mongodb://127.0.0.1:37017/tandem-test npx tsx scripts/record-history.ts
// and commit the file it writes next to the older ones: old histories must keep replaying.
import { writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { agents, customer, startTandem } from '../test/support/harness';
import { conversationWorkflowId } from '../workflows/definitions';

async function main(): Promise<void> {
  const tandem = await startTandem();
  try {
    const started = await tandem.call('POST', '/v1/conversations', {
      body: { customer: customer({ name: 'Dana Scully' }), firstMessage: { messageId: 'h1', text: 'where is my order 123?' } },
    });
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const say = (messageId: string, text: string) =>
      tandem.call('POST', `/v1/conversations/${conversationId}/messages`, { token, body: { messageId, text } });
    await say('h2', 'how do I change my shipping address?');
    const handoff = await say('h3', 'this is useless, I want to cancel');
    const taskId = handoff.body.handoff.taskId as string;
    const agent = agents[0]!;
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/claim`, { token: agent.token, body: {} });
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/reply`, { token: agent.token, body: { actionId: 'r1', text: 'Hi Dana, I can help.' } });
    await say('h4', 'thanks, please go ahead');
    await tandem.call('POST', `/v1/agent/tasks/${taskId}/resolve`, { token: agent.token, body: { note: 'Order cancelled.' } });
    await say('h5', 'where is my order 456?');
    await tandem.call('POST', `/v1/conversations/${conversationId}/rating`, { token, body: { score: 4 } });
    await new Promise((r) => setTimeout(r, 1000)); // let the last projections land in history

    const history = await tandem.api.deps.temporal.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory();
    const file = `test/histories/conversation-${new Date().toISOString().slice(0, 10)}.json`;
    writeFileSync(file, historyToJSON(history));
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    await tandem.stop();
  }
}

void main();

// How much Temporal history a customer message costs: conversations of answerable questions (an
// order lookup among them, so an action runs), every fourth ending with a request for a person.
// Reads each workflow's history back and counts its encoded bytes by event type. Prints a table
// and one JSON line.
//   npm run bench:history -- [--conversations 20] [--messages 10] [--ollama yes]
// With --ollama the model's steps run as activities on a model server, their inputs in history.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { conversationWorkflowId } from '../domain/ids';
import { ANSWERABLE_QUESTIONS } from '../test/support/questions';
import { flags, printTable, round } from './load';
import { stackProfile } from '../scripts/stack/profiles';
import { startPrivateStack, type BenchStack } from './stack';

const HANDOFF_EVERY = 4;

interface Started {
  conversationId: string;
  token: string;
}

async function post<T>(stack: BenchStack, path: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (res.status !== 200 && res.status !== 201 && res.status !== 202) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A message answered 202 (slower than the bound) is read all the same: wait until its turn is done. */
async function untilRead(stack: BenchStack, started: Started, customerMessages: number): Promise<void> {
  for (;;) {
    const res = await fetch(`${stack.apiUrl}/v1/conversations/${started.conversationId}`, { headers: { authorization: `Bearer ${started.token}` } });
    const { transcript = [] } = (await res.json()) as { transcript?: { role: string }[] };
    const last = transcript.at(-1);
    if (transcript.filter((m) => m.role === 'customer').length === customerMessages && last?.role !== 'customer') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function converse(stack: BenchStack, index: number, messages: number): Promise<Started> {
  const started = await post<Started>(stack, '/v1/conversations', stack.apiKey, {
    customer: { id: `history-${index}`, name: 'History Customer', email: 'history@example.com' },
    conversationId: `history-${randomUUID()}`,
  });
  for (let i = 0; i < messages; i += 1) {
    const handOver = index % HANDOFF_EVERY === 0 && i === messages - 1;
    const text = handOver ? 'I want to talk to a person please' : (ANSWERABLE_QUESTIONS[(index + i) % ANSWERABLE_QUESTIONS.length] as string);
    await post(stack, `/v1/conversations/${started.conversationId}/messages`, started.token, { messageId: `m${i}`, text });
    await untilRead(stack, started, i + 1);
  }
  return started;
}

/** Encoded bytes of each event of a workflow's history (every run), by event type. */
async function historyBytes(client: Client, workflowId: string): Promise<Map<string, { events: number; bytes: number }>> {
  const byType = new Map<string, { events: number; bytes: number }>();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  for (const event of history.events ?? []) {
    const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'unknown';
    const name = type.replace(/^EVENT_TYPE_/, '').toLowerCase();
    const entry = byType.get(name) ?? { events: 0, bytes: 0 };
    entry.events += 1;
    entry.bytes += temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
    byType.set(name, entry);
  }
  return byType;
}

function addInto(total: Map<string, { events: number; bytes: number }>, part: Map<string, { events: number; bytes: number }>): void {
  for (const [name, { events, bytes }] of part) {
    const entry = total.get(name) ?? { events: 0, bytes: 0 };
    total.set(name, { events: entry.events + events, bytes: entry.bytes + bytes });
  }
}

async function main(): Promise<void> {
  const opts = flags(process.argv.slice(2), { conversations: '20', messages: '10', ollama: 'no' });
  const conversations = Number(opts.conversations);
  const messages = Number(opts.messages);
  const stack = await startPrivateStack({ name: 'history', ...stackProfile('bench'), ollama: opts.ollama === 'yes' });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    const started = await Promise.all(Array.from({ length: conversations }, (_, i) => converse(stack, i, messages)));
    // The read model and webhooks are written after the reply: let the last of them land.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const conversationEvents = new Map<string, { events: number; bytes: number }>();
    const handoffEvents = new Map<string, { events: number; bytes: number }>();
    let handoffs = 0;
    for (const { conversationId } of started) {
      addInto(conversationEvents, await historyBytes(client, conversationWorkflowId(conversationId)));
    }
    const tasks = client.workflow.list({ query: `WorkflowType = 'handoffWorkflow'` });
    for await (const task of tasks) {
      handoffs += 1;
      addInto(handoffEvents, await historyBytes(client, task.workflowId));
    }
    const customerMessages = conversations * messages;
    const total = (events: Map<string, { bytes: number }>) => [...events.values()].reduce((sum, e) => sum + e.bytes, 0);
    const rows = [...conversationEvents.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .map(([name, e]) => [name, round(e.events / customerMessages, 2), round(e.bytes / customerMessages, 0)]);
    printTable(['conversation history, per customer message', 'events', 'bytes'], [...rows, ['all', '', round(total(conversationEvents) / customerMessages, 0)]]);
    if (handoffs > 0) {
      printTable(['human task history, per handoff', 'events', 'bytes'], [
        ...[...handoffEvents.entries()].sort((a, b) => b[1].bytes - a[1].bytes).map(([name, e]) => [name, round(e.events / handoffs, 1), round(e.bytes / handoffs, 0)]),
        ['all', '', round(total(handoffEvents) / handoffs, 0)],
      ]);
    }
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'history-size',
        model: stack.model,
        conversations,
        customerMessages,
        bytesPerCustomerMessage: round(total(conversationEvents) / customerMessages, 0),
        handoffs,
        bytesPerHandoffTask: handoffs > 0 ? round(total(handoffEvents) / handoffs, 0) : null,
      })}\n`,
    );
  } finally {
    await connection.close();
    await stack.stop();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

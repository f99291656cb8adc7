import { conversationIdOf, newVisitorId } from '../domain/ids';
import { ANONYMOUS_VISITOR_NAME } from '../domain/types';
import type { AppContext } from './context';
import { startConversation } from './conversations';

// The chat widget's session: the conversation a visitor's browser may open, started or resumed.
// The API mints the short-lived token that opens it; this use case only decides which conversation.

export interface WidgetSessionRequest {
  visitor?: { id?: string; name?: string; email?: string };
  /** A conversation the business's backend knows this visitor has (it holds the API key). */
  conversationId?: string;
}

/**
 * The visitor's conversation: the one named, or the visitor's latest open one, or a new one.
 * `trusted` is false for a public widget key: a browser may then only start a new conversation
 * for a new anonymous visitor, never name one (anyone can read a public key).
 */
export async function openWidgetSession(
  ctx: AppContext,
  request: WidgetSessionRequest,
  trusted: boolean,
): Promise<{ conversationId: string; resumed: boolean }> {
  const visitor = trusted ? request.visitor : { name: request.visitor?.name, email: request.visitor?.email };
  const customer = { id: visitor?.id ?? newVisitorId(), name: visitor?.name ?? ANONYMOUS_VISITOR_NAME, email: visitor?.email };
  const existing = trusted ? (request.conversationId ?? (visitor?.id ? await latestOpenConversation(ctx, visitor.id) : undefined)) : undefined;
  // Starting with an existing id joins that conversation (USE_EXISTING): a resume is a start too.
  const { conversationId } = await startConversation(ctx, { conversationId: existing, customer });
  return { conversationId, resumed: existing !== undefined };
}

/**
 * Asked of Temporal's visibility, not the read model: a conversation with no message yet has no
 * read-model row. Customer ids are letters, digits, _ and - (the schema), safe inside the query.
 */
async function latestOpenConversation(ctx: AppContext, customerId: string): Promise<string | undefined> {
  const query = `WorkflowType = 'conversationWorkflow' AND ExecutionStatus = 'Running' AND CustomerId = '${customerId}' AND ConversationStatus IN ('ai', 'handoff')`;
  for await (const execution of ctx.temporal.workflow.list({ query, pageSize: 1 })) return conversationIdOf(execution.workflowId);
  return undefined;
}

import { continueAsNew, setHandler } from '@temporalio/workflow';
import { customerTranscript } from '../domain/conversation';
import { rejectIfRuleBroken } from './rejections';
import { ConversationSession } from './conversation-session';
import {
  agentMessageSignal,
  closeConversationUpdate,
  conversationQuery,
  customerMessageSignal,
  handoffResolvedSignal,
  messagesAfterQuery,
  proactiveMessageSignal,
  provideEmailUpdate,
  rateConversationUpdate,
  requestHumanUpdate,
  sendMessageUpdate,
  type ConversationInput,
} from './definitions';

/**
 * One customer conversation, from the first message to closed: Temporal's handlers wired to the
 * session (workflows/conversation-session.ts), whose operations run one at a time. Validators
 * refuse what breaks a domain rule before anything reaches history.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<{ status: string; messages: number }> {
  const session = new ConversationSession(input);
  const { conversation } = session;

  setHandler(sendMessageUpdate, ({ messageId, text }) => session.receive(messageId, text), {
    validator: ({ messageId, text }) => rejectIfRuleBroken(() => conversation.validateCustomerMessage(messageId, text)),
  });
  setHandler(customerMessageSignal, ({ messageId, text }) => session.receiveDurable(messageId, text));
  setHandler(requestHumanUpdate, ({ requestId, note }) => session.requestHuman(requestId, note), {
    validator: (_request) => rejectIfRuleBroken(() => conversation.validateOpen()),
  });
  setHandler(rateConversationUpdate, ({ score, comment }) => session.rate(score, comment), {
    validator: ({ score }) => rejectIfRuleBroken(() => conversation.validateRating(score)),
  });
  setHandler(provideEmailUpdate, ({ requestId, email }) => session.provideEmail(requestId, email), {
    validator: (_request) => rejectIfRuleBroken(() => conversation.validateOpen()),
  });
  setHandler(closeConversationUpdate, () => session.close());
  setHandler(agentMessageSignal, (agentMessage) => session.addAgentMessage(agentMessage));
  setHandler(proactiveMessageSignal, ({ signalId, text }) => session.addProactiveMessage(signalId, text));
  setHandler(handoffResolvedSignal, (resolution) => session.resolveHandoff(resolution));
  setHandler(conversationQuery, () => conversation.view());
  setHandler(messagesAfterQuery, (count) => {
    const transcript = customerTranscript(conversation.snapshot.transcript);
    return { total: transcript.length, messages: transcript.slice(count) };
  });

  const end = await session.run();
  if (end.kind === 'continue') return continueAsNew<typeof conversationWorkflow>(end.input);
  return { status: end.status, messages: end.messages };
}

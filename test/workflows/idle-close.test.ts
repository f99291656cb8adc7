import type { Activities } from '../../activities';
import type { SupportConfig } from '../../config/schema';
import type { Classification } from '../../domain/types';
import { conversationQuery, sendMessageUpdate } from '../../workflows/definitions';
import { defaultSupportConfig } from '../support/support-config';
import { useTimeSkippingEnvironment, withConversation } from '../support/time-skipping';

// The quiet spell that closes a conversation starts when the AI has replied, not when the customer
// wrote: a reply that takes longer than the idle period must not close the conversation under the
// customer's next message.

const IDLE_CLOSE_MS = 1_000;
/** Longer than the idle period, in real time: the test server does not skip time while an activity runs. */
const SLOW_UNDERSTANDING_MS = 1_500;

const config: SupportConfig = { ...defaultSupportConfig(), idleCloseMs: IDLE_CLOSE_MS };

const greeting: Classification = { intent: 'greeting', category: 'small_talk', confidence: 0.99, sentiment: 0.5, modelVersion: 'stub' };

type StubbedActivities = Pick<Activities, 'modelPlacement' | 'classifyMessage' | 'projectConversation' | 'projectConversationIfConnected' | 'notifyWebhook'>;

const activities: StubbedActivities = {
  modelPlacement: async () => 'remote',
  classifyMessage: async () => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_UNDERSTANDING_MS));
    return greeting;
  },
  projectConversation: async () => undefined,
  projectConversationIfConnected: async () => undefined,
  notifyWebhook: async () => undefined,
};

const environment = useTimeSkippingEnvironment();

test('when the reply to a message takes longer than the idle period, then the conversation stays open for the next one', async () => {
  await withConversation(environment(), { activities, config }, async (conversation) => {
    const first = await conversation.executeUpdate(sendMessageUpdate, { args: [{ messageId: 'm1', text: 'hi there' }] });
    expect(first.status).toBe('ai');
    expect((await conversation.query(conversationQuery)).status).toBe('ai');

    const second = await conversation.executeUpdate(sendMessageUpdate, { args: [{ messageId: 'm2', text: 'hello again' }] });
    expect(second.reply?.role).toBe('ai');
    expect(second.status).toBe('ai');

    // Left quiet, it still closes one idle period after the last reply.
    await environment().sleep(2 * IDLE_CLOSE_MS);
    expect((await conversation.query(conversationQuery)).status).toBe('closed');
  });
}, 60_000);

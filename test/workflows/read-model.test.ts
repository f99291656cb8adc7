import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { ConversationProjection } from '../../db/conversations';
import type { Classification } from '../../domain/types';
import { conversationQuery, sendMessageUpdate } from '../../workflows/definitions';
import { defaultSupportConfig } from '../support/support-config';
import { useTimeSkippingEnvironment, withConversation } from '../support/time-skipping';
import { workflowBundle } from '../support/workflow-bundle';

// The read model is written inside the message's workflow task while the database answers, and by
// the durable activity while it does not: every version lands, in order, and the history replays.

const greeting: Classification = { intent: 'greeting', category: 'small_talk', confidence: 0.99, sentiment: 0.5, modelVersion: 'stub' };

const environment = useTimeSkippingEnvironment();

test('when the database is away for some messages, then their read model is written durably, in order, and the history replays', async () => {
  const written: { version: number; how: 'in process' | 'durably' }[] = [];
  let databaseAway = false;
  const activities: Pick<Activities, 'modelPlacement' | 'classifyMessage' | 'projectConversation' | 'projectConversationIfConnected' | 'notifyWebhook'> = {
    modelPlacement: async () => 'local',
    classifyMessage: async () => greeting,
    projectConversationIfConnected: async (projection: ConversationProjection) => {
      if (databaseAway) throw new Error('the database is not connected');
      written.push({ version: projection.version, how: 'in process' });
    },
    projectConversation: async (projection: ConversationProjection) => {
      written.push({ version: projection.version, how: 'durably' });
    },
    notifyWebhook: async () => undefined,
  };
  const config = defaultSupportConfig();
  // Four greetings in a row would be a repeated question, handed to a person: not what this is about.
  config.escalation.repeat.count = 10;
  await withConversation(environment(), { activities, config }, async (conversation) => {
    const texts: Record<string, string> = { m1: 'hello', m2: 'how are you today', m3: 'nice weather we are having', m4: 'tell me a joke' };
    const send = (messageId: string) => conversation.executeUpdate(sendMessageUpdate, { args: [{ messageId, text: texts[messageId] as string }] });
    await send('m1');
    databaseAway = true;
    await send('m2');
    databaseAway = false;
    await send('m3');
    await send('m4');
    expect((await conversation.query(conversationQuery)).transcript).toHaveLength(8);

    const versions = written.map((w) => w.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(4);
    expect(written.map((w) => w.how)).toEqual(['in process', 'durably', 'in process', 'in process']);

    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, await conversation.fetchHistory());
  });
});

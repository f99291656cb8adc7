import defaultConfig from '../../../config/support.default.json';
import { supportConfigSchema } from '../../../config/schema';
import { Conversation, ConversationRuleError } from '../../../domain/conversation';
import type { Classification } from '../../../domain/types';

const config = supportConfigSchema.parse(defaultConfig);
const at = '2026-11-26T10:00:00.000Z';
const classification = (intent: string, category: string, extra: Partial<Classification> = {}): Classification => ({
  intent,
  category,
  confidence: 0.95,
  sentiment: 0,
  modelVersion: 'test',
  ...extra,
});

function open(customer = { id: 'c1', name: 'Dana Scully', email: 'dana@example.com' }) {
  return Conversation.open({ id: 'conv-1', customer, config, at });
}

describe('Conversation', () => {
  test('when a message is empty, too long or the conversation is closed, then it is refused with a stable code', () => {
    const conversation = open();
    const codeOf = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return (err as ConversationRuleError).code;
      }
      return 'accepted';
    };

    const empty = codeOf(() => conversation.validateCustomerMessage('  '));
    const long = codeOf(() => conversation.validateCustomerMessage('x'.repeat(4001)));
    conversation.close();
    const closed = codeOf(() => conversation.validateCustomerMessage('hello'));

    expect([empty, long, closed]).toEqual(['empty_message', 'message_too_long', 'conversation_closed']);
  });

  test('when an informational question is classified, then no rule fires and the AI may answer', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'where is my order 123?', at);

    const reasons = conversation.classify('m1', classification('track_order', 'order_status'));

    expect(reasons).toEqual([]);
    expect(conversation.aiMayAnswer).toBe(true);
  });

  test('when the conversation is handed off, then the AI may not answer and the task id counts handoffs', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'can I talk to a person', at);
    const reasons = conversation.classify('m1', classification('contact_human_agent', 'human_request'));
    const route = conversation.route(reasons);

    const { handoff, notice } = conversation.handOff(
      { reasons, ...route, summary: { issue: 'x', aiTried: 'nothing', mood: 'neutral', suggestedFirstLine: 'Hi Dana' }, at },
      'm1',
      conversation.handoffNotice(route.priority, at),
    );

    expect(handoff.taskId).toBe('handoff-conv-1-1');
    expect(conversation.aiMayAnswer).toBe(false);
    expect(notice.text).toMatch(/Dana/);
    expect(conversation.snapshot.transcript.map((m) => m.role)).toEqual(['customer', 'system']);
  });

  test('when a person takes over while the team is away, then the customer is told when and gets one holding reply', () => {
    const sunday = '2026-11-29T10:00:00.000Z';
    const conversation = open();
    conversation.addCustomerMessage('m1', 'can I talk to a person', sunday);
    const reasons = conversation.classify('m1', classification('contact_human_agent', 'human_request'));
    const route = conversation.route(reasons);
    const summary = { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' };
    const { notice } = conversation.handOff({ reasons, ...route, summary, at: sunday }, 'm1', conversation.handoffNotice(route.priority, sunday));

    conversation.addCustomerMessage('m2', 'hello?', sunday);
    const first = conversation.addHoldingReply('m2', sunday);
    conversation.addCustomerMessage('m3', 'anyone?', sunday);
    const second = conversation.addHoldingReply('m3', sunday);

    expect(notice.text).toMatch(/back on Monday at 09:00/);
    expect(first?.role).toBe('system');
    expect(first?.text).toMatch(/Monday at 09:00/);
    expect(second).toBeUndefined();
  });

  test('when a person takes over during business hours, then no holding reply is sent', () => {
    const tuesday = '2026-12-01T11:00:00.000Z';
    const conversation = open();
    conversation.addCustomerMessage('m1', 'can I talk to a person', tuesday);
    const reasons = conversation.classify('m1', classification('contact_human_agent', 'human_request'));
    const route = conversation.route(reasons);
    const summary = { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' };
    const { notice } = conversation.handOff({ reasons, ...route, summary, at: tuesday }, 'm1', conversation.handoffNotice(route.priority, tuesday));

    conversation.addCustomerMessage('m2', 'hello?', tuesday);

    expect(notice.text).not.toMatch(/away/);
    expect(conversation.addHoldingReply('m2', tuesday)).toBeUndefined();
  });

  test('when a rated conversation had an agent, then the rating is credited to that agent', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'human please', at);
    const reasons = conversation.classify('m1', classification('contact_human_agent', 'human_request'));
    conversation.handOff(
      { reasons, queue: 'general', priority: 'normal', summary: { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' }, at },
      'm1',
      'notice',
    );
    conversation.addAgentMessage({ id: 'a1', agentId: 'dana', text: 'Hi', internal: false, at });
    conversation.addAgentMessage({ id: 'n1', agentId: 'sam', text: 'note', internal: true, at });

    const rating = conversation.rate(4, undefined, at);

    expect(rating.handler).toBe('dana');
    expect(() => conversation.rate(6, undefined, at)).toThrow(ConversationRuleError);
  });
});

import defaultConfig from '../../../config/support.default.json';
import { supportConfigSchema } from '../../../config/schema';
import { Conversation, customerLine, emailRequested } from '../../../domain/conversation';
import { RuleViolation } from '../../../domain/rules';
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

/** A conversation handed over at `at` because the customer asked for a person, with the notice they got. */
function askedForAPersonAt(at: string) {
  const conversation = open();
  conversation.addCustomerMessage('m1', 'can I talk to a person', at);
  const reasons = conversation.classify('m1', classification('contact_human_agent', 'human_request'));
  const route = conversation.route(reasons);
  const summary = { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' };
  const { notice } = conversation.handOff({ reasons, ...route, summary, at }, 'm1', conversation.handoffNotice(route.priority, at));
  return { conversation, notice };
}

describe('Conversation', () => {
  test('when a message id is missing, too long or reused for another text, or the message is empty, too long, holds control characters or the conversation is closed, then it is refused with a stable code', () => {
    const conversation = open();
    const codeOf = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return (err as RuleViolation).code;
      }
      return 'accepted';
    };

    const noId = codeOf(() => conversation.validateCustomerMessage('', 'hello'));
    const longId = codeOf(() => conversation.validateCustomerMessage('m'.repeat(101), 'hello'));
    const fine = codeOf(() => conversation.validateCustomerMessage('m'.repeat(100), 'hello'));
    const empty = codeOf(() => conversation.validateCustomerMessage('m1', '  '));
    const long = codeOf(() => conversation.validateCustomerMessage('m1', 'x'.repeat(4001)));
    const control = codeOf(() => conversation.validateCustomerMessage('m1', 'hi\u0000there'));
    const multiline = codeOf(() => conversation.validateCustomerMessage('m1', 'line one\n\tline two\r\n'));
    conversation.addCustomerMessage('m2', 'where is my parcel', '2026-12-03T10:00:00.000Z');
    const retried = codeOf(() => conversation.validateCustomerMessage('m2', 'where is my parcel'));
    const reused = codeOf(() => conversation.validateCustomerMessage('m2', 'cancel it'));
    conversation.close();
    const closed = codeOf(() => conversation.validateCustomerMessage('m1', 'hello'));

    const retriedWhenClosed = codeOf(() => conversation.validateCustomerMessage('m2', 'where is my parcel'));

    expect([noId, longId, fine, empty, long, control, multiline, retried, reused, closed, retriedWhenClosed]).toEqual([
      'invalid_message_id',
      'invalid_message_id',
      'accepted',
      'empty_message',
      'message_too_long',
      'control_characters',
      'accepted',
      'accepted',
      'message_id_reused',
      'conversation_closed',
      'accepted',
    ]);
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
    const { conversation, notice } = askedForAPersonAt(sunday);

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
    const { conversation, notice } = askedForAPersonAt(tuesday);

    conversation.addCustomerMessage('m2', 'hello?', tuesday);

    expect(notice.text).not.toMatch(/away/);
    expect(conversation.addHoldingReply('m2', tuesday)).toBeUndefined();
  });

  test('when a handed-over message is retried, then it gets the notice and the task it got the first time, with the status now', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'I want to speak to a manager', at);
    const reasons = conversation.classify('m1', classification('complaint', 'complaint'));
    const route = conversation.route(reasons);
    const summary = { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' };
    const { handoff, notice } = conversation.handOff({ reasons, ...route, summary, at }, 'm1', 'A person will take over.');
    const first = { conversationId: 'conv-1', messageId: 'm1', status: conversation.status, reply: notice, handoff: { taskId: handoff.taskId, reasons, ...route } };
    conversation.recordOutcome(first);
    conversation.resolveHandoff(at, { agentId: 'agent-1' });

    expect(conversation.outcomeOf('m1')).toEqual({ ...first, status: 'ai' });
    expect(conversation.outcomeOf('never-sent')).toEqual({ conversationId: 'conv-1', messageId: 'never-sent', status: 'ai' });
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
    expect(() => conversation.rate(6, undefined, at)).toThrow(RuleViolation);
  });
});

describe('CSAT rules and anonymous visitors', () => {
  const summary = { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' };
  const withRules = (askAfter: 'human' | 'ai' | 'both') => ({ ...config, csat: { askAfter, ratingWindowMs: 60_000 } });
  const anonymous = { id: 'v1', name: 'Visitor' };

  function resolvedByPerson(askAfter: 'human' | 'ai' | 'both') {
    const conversation = Conversation.open({ id: 'conv-1', customer: anonymous, config: withRules(askAfter), at });
    conversation.addCustomerMessage('m1', 'a person please', at);
    conversation.handOff({ reasons: [{ code: 'customer_request' }], queue: 'general', priority: 'normal', summary, at }, 'm1', 'notice');
    conversation.resolveHandoff(at, { agentId: 'dana' });
    return conversation;
  }

  function resolvedByAi(askAfter: 'human' | 'ai' | 'both') {
    const conversation = Conversation.open({ id: 'conv-1', customer: anonymous, config: withRules(askAfter), at });
    conversation.closeResolvedByAi();
    return conversation;
  }

  test('when a person or the AI resolves, then a rating is asked only where the rules say so', () => {
    const asked = (['human', 'ai', 'both'] as const).map((rule) => [rule, resolvedByPerson(rule).ratingRequested, resolvedByAi(rule).ratingRequested]);
    const unresolved = Conversation.open({ id: 'conv-1', customer: anonymous, config: withRules('both'), at });

    expect(asked).toEqual([
      ['human', true, false],
      ['ai', false, true],
      ['both', true, true],
    ]);
    expect(unresolved.ratingRequested).toBe(false);
  });

  test('when the conversation is rated, then it is not asked again and a second rating is refused', () => {
    const conversation = resolvedByPerson('both');

    conversation.validateRating(5);
    conversation.rate(5, undefined, at);

    expect(conversation.ratingRequested).toBe(false);
    expect(() => conversation.validateRating(4)).toThrow(expect.objectContaining({ code: 'already_rated' }));
  });

  test('when a visitor with no email is handed over while the team is away, then an email is asked for until one is left', () => {
    const sunday = '2026-11-29T10:00:00.000Z';
    const conversation = Conversation.open({ id: 'conv-1', customer: anonymous, config, at: sunday });
    conversation.addCustomerMessage('m1', 'a person please', sunday);
    const notice = conversation.handoffNotice('normal', sunday, [], { askForEmail: true });
    conversation.handOff({ reasons: [{ code: 'customer_request' }], queue: 'general', priority: 'normal', summary, at: sunday }, 'm1', notice);
    const askedBefore = emailRequested(conversation.snapshot, config, new Date(sunday));

    const confirmation = conversation.provideEmail('e1', 'visitor@example.com', sunday);

    expect(notice).toMatch(/Leave your email address/);
    expect(askedBefore).toBe(true);
    expect(confirmation.text).toMatch(/visitor@example.com/);
    expect(emailRequested(conversation.snapshot, config, new Date(sunday))).toBe(false);
    expect(emailRequested(conversation.snapshot, config, new Date('2026-12-01T11:00:00.000Z'))).toBe(false);
  });
});

describe('Conversation.decide', () => {
  const grounded = (articleId: string, score: number) => ({ grounding: { articleId, score, candidates: [{ articleId, score }] } });

  test('when the message is grounded in its intent\'s article above the threshold, then the AI answers from that article', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'hw do i chnage my shiping adress', at);

    const decision = conversation.decide('m1', classification('change_shipping_address', 'how_to', grounded('kb-change_shipping_address-1', 0.71)));

    expect(decision).toEqual({ kind: 'answer', articleId: 'kb-change_shipping_address-1' });
  });

  test('when no article reaches the threshold, then the AI says so and hands over with missing_knowledge', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'do you sell gift cards?', at);

    const decision = conversation.decide('m1', classification('check_payment_methods', 'billing', grounded('kb-check_payment_methods-1', 0.1)));

    expect(decision).toEqual({ kind: 'handoff', reasons: [{ code: 'missing_knowledge', detail: 'nothing answers check_payment_methods' }] });
    expect(conversation.handoffNotice('normal', at, decision.kind === 'handoff' ? decision.reasons : [])).toMatch(/^I'm sorry, I don't have a reliable answer/);
  });

  test('when the business prefers to offer a person, then the AI offers, and a "yes please" next hands over', () => {
    const offering = Conversation.open({
      id: 'conv-2',
      customer: { id: 'c1', name: 'Dana Scully', email: 'dana@example.com' },
      config: { ...config, knowledge: { ...config.knowledge, whenMissing: 'offer' } },
      at,
    });
    offering.addCustomerMessage('m1', 'what is the weather in paris', at);
    const offered = offering.decide('m1', classification('oos', 'other', { grounding: { score: 0, candidates: [] } }));
    offering.addCustomerMessage('m2', 'yes please', at);
    const accepted = offering.decide('m2', classification('thanks', 'small_talk'));

    expect(offered).toMatchObject({ kind: 'reply', closes: false });
    expect(offered.kind === 'reply' && offered.text).toContain('Would you like me to pass your question to a member of our team?');
    expect(accepted).toEqual({ kind: 'handoff', reasons: [{ code: 'missing_knowledge', detail: 'out of scope' }] });
  });

  test('when the customer greets or says goodbye, then the AI replies by name, and goodbye closes the conversation', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'hi', at);
    conversation.addCustomerMessage('m2', 'thanks, bye', at);

    const hello = conversation.decide('m1', classification('greeting', 'small_talk'));
    const bye = conversation.decide('m2', classification('goodbye', 'small_talk'));

    expect(hello).toEqual({ kind: 'reply', text: "Hi Dana, I'm Ava from Acme Outfitters. How can I help you today?", closes: false });
    expect(bye).toMatchObject({ kind: 'reply', closes: true });
  });

  test('when "that didn\'t work" follows an AI answer, then it is handed over as unresolved, naming the answer\'s article', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'how do i reset my password', at);
    conversation.decide('m1', classification('recover_password', 'account', grounded('kb-recover_password-1', 0.8)));
    conversation.addAiAnswer('m1', { text: 'Use the reset link.', citations: ['kb-recover_password-1'] }, at);
    conversation.addCustomerMessage('m2', "that didn't work", at);

    const followUp = conversation.followUpContext('m2');
    const decision = conversation.decide('m2', classification('not_resolved', 'other'));

    expect(followUp).toBe('how do i reset my password');
    expect(decision).toEqual({ kind: 'handoff', reasons: [{ code: 'unresolved', detail: 'after kb-recover_password-1' }] });
  });

  test('when a message is clearly in a language the AI does not answer, then it goes to a person with reason language', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'bonjour, où est ma commande ?', at);

    const decision = conversation.decide('m1', classification('track_order', 'order_status', { language: 'fr', ...grounded('kb-track_order-1', 0.6) }));

    expect(decision).toEqual({ kind: 'handoff', reasons: [{ code: 'language', detail: 'fr' }] });
  });

  test('when a message is handed over for low confidence, then its decision record holds every rule with input, threshold and verdict, and the handoff; the customer never sees it', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'hmm the thing with the stuff', at);

    const decision = conversation.decide('m1', classification('track_order', 'order_status', { confidence: 0.2, ...grounded('kb-track_order-1', 0.7) }));
    if (decision.kind !== 'handoff') throw new Error('expected a handoff');
    const route = conversation.route(decision.reasons);
    conversation.handOff({ reasons: decision.reasons, ...route, summary: { issue: '', aiTried: '', mood: '', suggestedFirstLine: '' }, at }, 'm1', 'A person will reply.');
    const message = conversation.snapshot.transcript[0]!;

    expect(message.decision?.rules).toHaveLength(10);
    expect(message.decision?.rules.find((rule) => rule.rule === 'low_confidence')).toEqual({
      rule: 'low_confidence', input: 0.2, threshold: 0.35, fired: true, reason: { code: 'low_confidence', detail: '0.20' },
    });
    expect(message.decision?.rules.filter((rule) => rule.fired).map((rule) => rule.rule)).toEqual(['low_confidence']);
    expect(message.decision).toMatchObject({
      decision: 'handoff',
      retrieval: { chosenArticleId: undefined, minAnswerScore: config.knowledge.minAnswerScore },
      outcome: { kind: 'handoff', taskId: 'handoff-conv-1-1', reasons: [{ code: 'low_confidence', detail: '0.20' }], queue: route.queue, priority: route.priority },
    });
    expect(customerLine(message)).not.toHaveProperty('decision');
  });

  test('when the AI answers from an article, then the record names the article it chose and the reply that cited it', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'how do i reset my password', at);

    conversation.decide('m1', classification('recover_password', 'account', grounded('kb-recover_password-1', 0.8)));
    conversation.addAiAnswer('m1', { text: 'Use the reset link.', citations: ['kb-recover_password-1'] }, at);

    expect(conversation.snapshot.transcript[0]!.decision).toMatchObject({
      decision: 'answer',
      retrieval: { chosenArticleId: 'kb-recover_password-1' },
      outcome: { kind: 'replied', citations: ['kb-recover_password-1'] },
    });
  });
});

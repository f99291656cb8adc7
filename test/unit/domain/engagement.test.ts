import { Engagement, engagementRulesOf, turnMoments, validateBusinessEvent, worthTelling, type EngagementMoment, type ToldSoFar } from '../../../domain/engagement';
import type { ConversationState } from '../../../domain/conversation';
import { aiReplyId, outreachConversationId } from '../../../domain/ids';
import { RuleViolation } from '../../../domain/rules';
import { supportConfigProblems, supportConfigSchema } from '../../../config/schema';
import { classified, config, dana } from './builders';

// One customer's signals and outreach as plain code: time is whatever the test says it is.

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const rules = engagementRulesOf(config)!;

function engagement(): Engagement {
  const e = Engagement.begin(dana.id, config, rules, at(0));
  e.note({ kind: 'started', conversationId: 'c1', customer: dana, at: at(0) });
  return e;
}

const turn = (conversationId: string, ms: number, extra: Partial<Extract<EngagementMoment, { kind: 'turn' }>> = {}): EngagementMoment => ({
  kind: 'turn',
  conversationId,
  messageId: `m${ms}`,
  at: at(ms),
  status: 'ai',
  ...extra,
});

test('when an answer is doubtful and the customer stays quiet, then the quiet spell raises one signal at its end', () => {
  const e = engagement();
  e.note(turn('c1', 0, { doubt: 'did_not_work' }));

  expect(e.nextDueAt).toBe(T0 + rules.quietAfterDoubtfulAnswer.afterMs);
  expect(e.due(T0 + rules.quietAfterDoubtfulAnswer.afterMs - 1)).toEqual([]);
  const [signal] = e.due(T0 + rules.quietAfterDoubtfulAnswer.afterMs);
  expect(signal).toMatchObject({ kind: 'quiet_after_doubtful_answer', conversationId: 'c1', reason: expect.stringMatching(/didn't work.*4 hours/) });
  expect(e.nextDueAt).toBeUndefined();
});

test('when the customer writes, rates or is handed to a person, then the quiet spell ends without a signal', () => {
  for (const next of [turn('c1', HOUR), { kind: 'rated', conversationId: 'c1', score: 5, at: at(HOUR) }, { kind: 'status', conversationId: 'c1', status: 'handoff', at: at(HOUR) }] as EngagementMoment[]) {
    const e = engagement();
    e.note(turn('c1', 0, { doubt: 'low_confidence' }));
    e.note(next);
    expect(e.due(T0 + 10 * DAY)).toEqual([]);
  }
});

test('when the customer is back about the same category within the window, then one repeat-contact signal is raised', () => {
  const e = engagement();
  e.note(turn('c1', 0, { category: 'billing' }));
  e.note({ kind: 'started', conversationId: 'c2', customer: dana, at: at(2 * DAY) });

  expect(e.note(turn('c2', 2 * DAY, { category: 'small_talk' }))).toEqual([]);
  const signals = e.note(turn('c2', 2 * DAY + 1, { category: 'billing' }));
  expect(signals).toMatchObject([{ kind: 'repeat_contact', conversationId: 'c2', reason: expect.stringMatching(/category billing within 7 days/) }]);
  expect(e.note(turn('c2', 2 * DAY + 2, { category: 'billing' }))).toEqual([]);
});

test('when the earlier conversation is older than the window, then it is no repeat contact', () => {
  const e = engagement();
  e.note(turn('c1', 0, { orderNumber: '1001' }));
  e.note({ kind: 'started', conversationId: 'c2', customer: dana, at: at(8 * DAY) });
  expect(e.note(turn('c2', 8 * DAY, { orderNumber: '1001' }))).toEqual([]);
});

test('when a rating is low, then a low-CSAT signal is raised', () => {
  const e = engagement();
  expect(e.note({ kind: 'rated', conversationId: 'c1', score: 2, at: at(0) })).toMatchObject([{ kind: 'low_csat' }]);
  expect(e.note({ kind: 'rated', conversationId: 'c1', score: 3, at: at(0) })).toEqual([]);
});

test('when the same event id comes again, then it raises nothing', () => {
  const e = engagement();
  const event = { eventId: 'e1', customerId: dana.id, kind: 'order_late', orderNumber: '1001' };
  expect(e.businessEvent(event, at(0))).toMatchObject({ kind: 'event:order_late', conversationId: 'c1', orderNumber: '1001' });
  expect(e.businessEvent(event, at(1))).toBeUndefined();
});

test('when outreach reaches the weekly cap, then further signals are capped until a week has passed', () => {
  const e = engagement();
  const outcomes = [0, 1, 2].map((n) => e.plan(e.businessEvent({ eventId: `e${n}`, customerId: dana.id, kind: 'order_late' }, at(n * HOUR))!).outcome);
  const later = e.plan(e.businessEvent({ eventId: 'e9', customerId: dana.id, kind: 'order_late' }, at(7 * DAY + HOUR))!);

  expect(outcomes).toEqual(['outreach_task', 'outreach_task', 'capped']);
  expect(later.outcome).toBe('outreach_task');
});

test('when an AI message is due while a person has the conversation, then it is withheld; a closed one gets a new conversation', () => {
  const e = engagement();
  e.note({ kind: 'status', conversationId: 'c1', status: 'handoff', at: at(0) });
  expect(e.plan(e.businessEvent({ eventId: 'p1', customerId: dana.id, kind: 'payment_failed', orderNumber: '7' }, at(0))!).outcome).toBe('with_a_person');

  e.note({ kind: 'status', conversationId: 'c1', status: 'closed', at: at(1) });
  const plan = e.plan(e.businessEvent({ eventId: 'p2', customerId: dana.id, kind: 'payment_failed', orderNumber: '7' }, at(2))!);
  expect(plan).toMatchObject({ outcome: 'ai_message', opensConversation: true, conversationId: 'outreach-event-p2' });
  expect(plan.message).toMatch(/^Hi Dana, the payment for your order 7 didn't go through/);
});

test('when an event kind is not configured, then it is refused with unknown_event_kind', () => {
  expect(() => validateBusinessEvent(config, { eventId: 'x', customerId: dana.id, kind: 'parcel_exploded' })).toThrow(RuleViolation);
  expect(() => validateBusinessEvent({ ...config, engagement: undefined }, { eventId: 'x', customerId: dana.id, kind: 'order_late' })).toThrow(/not configured/);
});

test('when a customer says an answer did not work and the AI answers again, then that turn is doubtful', () => {
  const state: ConversationState = {
    id: 'c1',
    customer: dana,
    status: 'ai',
    handoffs: [],
    createdAt: at(0),
    transcript: [
      { id: 'm1', role: 'customer', text: 'how do I reset my password', at: at(0), classification: classified('recover_password') },
      { id: aiReplyId('m1'), role: 'ai', text: 'Use the link.', at: at(1) },
      { id: 'm2', role: 'customer', text: "That didn't work for order #1234", at: at(2), classification: classified('recover_password') },
      { id: aiReplyId('m2'), role: 'ai', text: 'Try again.', at: at(3) },
    ],
  };
  expect(turnMoments(state, 0, rules)).toMatchObject([
    { messageId: 'm1', category: 'account', doubt: undefined },
    { messageId: 'm2', orderNumber: '1234', doubt: 'did_not_work' },
  ]);
});

test('when the outreach queue is not one of the queues, then the configuration is refused naming it', () => {
  const candidate = supportConfigSchema.parse({ ...config, engagement: { ...rules, outreachQueue: 'nowhere' } });
  expect(supportConfigProblems(candidate)).toEqual(['engagement.outreachQueue: unknown queue nowhere']);
});

test('when a signal id is long, then the conversation its outreach opens still has an id the API takes', () => {
  const long = `event-${'x'.repeat(100)}`;
  expect(outreachConversationId('event-e1')).toBe('outreach-event-e1');
  expect(outreachConversationId(long)).toMatch(/^outreach-[0-9a-f]{16}$/);
  expect(outreachConversationId(long)).toBe(outreachConversationId(long));
  expect(outreachConversationId(`${long}y`)).not.toBe(outreachConversationId(long));
});

test('when turns add nothing the engagement workflow does not know, then they are not sent, and every signal it raises is still raised', () => {
  const turns = [
    turn('c1', 0, { category: 'billing' }),
    turn('c1', 1, { category: 'billing' }), // nothing new
    turn('c1', 2, { category: 'billing', orderNumber: '1001' }), // a new order
    turn('c1', 3, { category: 'billing', orderNumber: '1001', doubt: 'low_confidence' }), // doubtful: a watch starts
    turn('c1', 4, { category: 'billing', orderNumber: '1001' }), // ends the watch
    turn('c1', 5, { category: 'billing', orderNumber: '1001' }), // nothing new
    turn('c1', 6, { category: 'billing', orderNumber: '1001', status: 'handoff' }), // a new status
  ];
  const told: ToldSoFar = { orderNumbers: [], watched: false };
  const sent = turns.flatMap((moment) => worthTelling([moment], told));
  expect(sent.map((moment) => (moment as { messageId: string }).messageId)).toEqual(['m0', 'm2', 'm3', 'm4', 'm6']);

  // The workflow fed every turn and the one fed only those sent end with the same signals.
  const everyTurn = engagement();
  const sentOnly = engagement();
  const later = turn('c2', 2 * DAY, { category: 'billing' });
  const signals = (e: Engagement, moments: EngagementMoment[]) => [...moments, { kind: 'started', conversationId: 'c2', customer: dana, at: at(2 * DAY) } as EngagementMoment, later].flatMap((m) => e.note(m));
  expect(signals(sentOnly, sent)).toEqual(signals(everyTurn, turns));
  expect(sentOnly.due(T0 + 10 * DAY)).toEqual(everyTurn.due(T0 + 10 * DAY));
});

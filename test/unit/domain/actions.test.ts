import defaultConfig from '../../../config/support.default.json';
import { supportConfigProblems, supportConfigSchema, type ActionConfig } from '../../../config/schema';
import { actionAnswer, actionFacts, actionSummary, fillTemplate, requestPath } from '../../../domain/actions';
import { Conversation } from '../../../domain/conversation';
import { findOrderNumber } from '../../../domain/handoff';
import type { Classification } from '../../../domain/types';

const config = supportConfigSchema.parse(defaultConfig);
const lookup = config.actions.find((a) => a.name === 'lookup_order') as ActionConfig;
const at = '2026-12-03T10:00:00.000Z';
const dana = { id: 'cust-42', name: 'Dana Scully', email: 'dana@example.com' };
const understood = (intent: string, category: string): Classification => ({ intent, category, confidence: 0.95, sentiment: 0, modelVersion: 'test' });

describe('order numbers in a message', () => {
  test.each([
    ['where is my order 1001?', '1001'],
    ['order #1002 please', '1002'],
    ['Order number: AB-1234', 'AB-1234'],
    ['status of #1003', '1003'],
    ['where is my order?', undefined],
    ['I was charged 1001 times', undefined],
  ])('when the customer writes %j, then the order number read is %j', (text, expected) => {
    expect(findOrderNumber(text)).toBe(expected);
  });
});

describe('request templates', () => {
  test('when every fact is known, then the path is filled with each fact URL-encoded in its own segment', () => {
    expect(requestPath('/customers/{{customerId}}/orders/{{orderNumber}}', { customerId: 'cust-42', orderNumber: '1001' })).toBe(
      '/customers/cust-42/orders/1001',
    );
    expect(requestPath('/customers/{{customerId}}/orders/{{orderNumber}}', { customerId: 'a/../b', orderNumber: '1 1?x' })).toBe(
      '/customers/a%2F..%2Fb/orders/1%201%3Fx',
    );
  });

  test('when a fact is missing, then no path is made and no template line is half filled', () => {
    expect(() => requestPath('/customers/{{customerId}}/orders/{{orderNumber}}', { customerId: 'cust-42' })).toThrow();
    expect(fillTemplate('shipped with {{carrier}}', {})).toBeUndefined();
  });

  test('when the customer id comes from the profile, then an id typed in the message is never used', () => {
    const facts = actionFacts(lookup, dana, 'I am customer cust-77, where is my order 1004?');
    expect(facts).toEqual({ customerId: 'cust-42', orderNumber: '1004' });
    expect(actionFacts(lookup, dana, 'where is my order?')).toBeUndefined();
    expect(actionSummary(lookup, { customerId: 'cust-42', orderNumber: '1001' })).toBe('Look up order 1001');
  });

  test('when the response lacks a field, then the line naming it is left out rather than guessed', () => {
    const answer = actionAnswer(lookup, { orderNumber: '1002' }, { ok: true, found: true, fields: { status: 'processing', placedAt: '2026-12-01' } });
    expect(answer).toBe('Your order 1002 is processing. You placed it on 2026-12-01.');
  });
});

describe('Conversation with actions', () => {
  const open = () => Conversation.open({ id: 'conv-1', customer: dana, config, at });

  test('when the customer asks where an order is, then the lookup runs at once with a key derived from the message', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'where is my order 1001?', at);
    const decision = conversation.decide('m1', understood('track_order', 'order_status'), config.actions);
    expect(decision).toEqual({
      kind: 'action',
      call: { name: 'lookup_order', summary: 'Look up order 1001', facts: { customerId: 'cust-42', orderNumber: '1001' }, idempotencyKey: 'conv-1:m1:lookup_order' },
    });
  });

  test('when the customer asks to cancel an order, then the AI asks first and only an explicit yes runs it', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'cancel order 1002', at);
    const asked = conversation.decide('m1', understood('cancel_order', 'cancellation'), config.actions);
    expect(asked).toMatchObject({ kind: 'reply', text: expect.stringContaining('cancel order 1002') });
    conversation.addCustomerMessage('m2', 'yes', at);
    const confirmed = conversation.decide('m2', understood('thanks', 'small_talk'), config.actions);
    expect(confirmed).toMatchObject({ kind: 'action', call: { name: 'cancel_order', idempotencyKey: 'conv-1:m2:cancel_order' } });
  });

  test('when the customer answers the confirmation with anything but yes, then nothing runs', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'cancel order 1002', at);
    conversation.decide('m1', understood('cancel_order', 'cancellation'), config.actions);
    conversation.addCustomerMessage('m2', 'no, keep it', at);
    expect(conversation.decide('m2', understood('thanks', 'small_talk'), config.actions).kind).not.toBe('action');
    conversation.addCustomerMessage('m3', 'yes', at);
    expect(conversation.decide('m3', understood('thanks', 'small_talk'), config.actions).kind).not.toBe('action');
  });

  test('when no actions are given (a run from before actions), then cancelling still goes to a person', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'cancel order 1002', at);
    expect(conversation.decide('m1', understood('cancel_order', 'cancellation'))).toMatchObject({ kind: 'handoff' });
  });

  test('when an action is left to a person, then the request hands over with reason action_by_person', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'I want a refund for order 1003', at);
    const decision = conversation.decide('m1', understood('get_refund', 'billing'), config.actions);
    expect(decision).toEqual({ kind: 'handoff', reasons: [{ code: 'action_by_person', detail: 'refund_order' }] });
  });

  test('when an action fails, then no answer is written and the agent sees what failed', () => {
    const conversation = open();
    conversation.addCustomerMessage('m1', 'where is my order 1001?', at);
    const call = { name: 'lookup_order', summary: 'Look up order 1001', facts: { customerId: 'cust-42', orderNumber: '1001' }, idempotencyKey: 'k' };
    expect(conversation.recordAction('m1', call, { ok: false, reason: 'connection refused' }, at)).toBeUndefined();
    expect(conversation.snapshot.transcript.at(-1)).toMatchObject({
      internal: true,
      text: 'Look up order 1001: failed (connection refused)',
      action: { name: 'lookup_order', ok: false },
    });
  });
});

describe('action configuration', () => {
  test('when a reply names a field the response does not carry, or a write has no confirmation, then the configuration is refused', () => {
    const broken = structuredClone(defaultConfig) as { actions: Array<Record<string, any>> };
    (broken.actions[0] as any).replies.done = ['It is {{secretField}}.'];
    delete (broken.actions[1] as any).replies.confirm;
    const problems = supportConfigProblems(supportConfigSchema.parse(broken));
    expect(problems).toEqual([
      'actions.lookup_order.replies: {{secretField}} is neither a fact nor a response field',
      'actions.cancel_order.replies.confirm: a write needs the question that confirms it',
    ]);
  });
});

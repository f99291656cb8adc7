import {
  describeReason,
  findOrderNumber,
  moodFromSentiment,
  suggestedFirstLine,
  summarizeForHandoff,
} from '../../../domain/handoff';
import { aiSays, classified, config, customerSays, dana } from './builders';

describe('suggestedFirstLine', () => {
  it('when the customer gave an order number, then the line greets them by first name and names the order', () => {
    const transcript = [customerSays("Hi, my order #1234 hasn't arrived", classified('track_order', { sentiment: -0.3 }))];

    const line = suggestedFirstLine({ customer: dana, transcript, config });

    expect(line).toBe(
      "Hi Dana, I've read your conversation with our assistant and I see you need help with order status for your order #1234. I can help with that.",
    );
  });

  it('when the customer gave no order number, then the line restates the issue by its category and invents none', () => {
    const transcript = [customerSays('Which cards do you accept?', classified('check_payment_methods'))];

    const line = suggestedFirstLine({ customer: dana, transcript, config });

    expect(line).toContain('I see you need help with billing and pricing.');
    expect(line).not.toMatch(/#|\d/);
  });

  it('when the customer is frustrated, then the line apologises before offering help', () => {
    const transcript = [customerSays('This is the worst service ever', classified('complaint', { sentiment: -0.9 }))];

    const line = suggestedFirstLine({ customer: dana, transcript, config });

    expect(line).toContain("I'm sorry for the trouble. I can help with that.");
  });

  it('when the customer only asked for a person after describing a problem, then the line names the problem', () => {
    const transcript = [
      customerSays('I was charged twice for order 5678', classified('payment_issue')),
      customerSays('get me a human', classified('contact_human_agent')),
    ];

    const line = suggestedFirstLine({ customer: dana, transcript, config });

    expect(line).toContain('I see you need help with billing and pricing for your order #5678.');
  });

  it('when the customer only asked for a person, then the line stays general', () => {
    const line = suggestedFirstLine({
      customer: dana,
      transcript: [],
      classification: classified('contact_human_agent'),
      config,
    });

    expect(line).toContain('I see you need help with your question.');
  });

  it('when the profile has no usable name, then the line greets them without one', () => {
    const line = suggestedFirstLine({ customer: { ...dana, name: '' }, transcript: [], config });

    expect(line).toMatch(/^Hi there, /);
  });
});

describe('findOrderNumber', () => {
  it.each([
    ['where is #1234?', '1234'],
    ['where is my order 1234', '1234'],
    ['Order number: AB-99812 is late', 'AB-99812'],
    ['I need assistance locating purchase 370795561790', '370795561790'],
  ])('when the customer writes "%s", then the order number is %s', (text, expected) => {
    expect(findOrderNumber(text)).toBe(expected);
  });

  it('when the text only counts things, then no order number is found', () => {
    expect(findOrderNumber('I ordered 3 shirts and want to order 2 more')).toBeUndefined();
  });
});

describe('moodFromSentiment', () => {
  it.each([
    [[-0.8], 'frustrated'],
    [[-0.8, -0.1], 'frustrated'],
    [[0.2, -0.3], 'worried'],
    [[0], 'neutral'],
    [[], 'neutral'],
    [[-0.8, 0.5], 'positive'],
  ])('when sentiments are %j, then the mood is %s', (sentiments, expected) => {
    expect(moodFromSentiment(sentiments)).toBe(expected);
  });
});

describe('summarizeForHandoff', () => {
  const transcript = [
    customerSays('hi', classified('contact_customer_service', { sentiment: 0.1, confidence: 0.2 })),
    customerSays('where is my order #1234?', classified('track_order', { sentiment: -0.1 })),
    aiSays('You can follow your order from Orders in your account.', ['kb-track-order']),
    customerSays('It was due on Monday.', classified('track_order', { sentiment: -0.4 })),
    aiSays('Orders usually arrive within 5 working days of dispatch.', ['kb-delivery', 'kb-track-order']),
    customerSays('this is useless, I want to cancel', classified('cancel_order', { sentiment: -0.7 })),
  ];
  const reasons = [{ code: 'category:cancellation' as const }, { code: 'keyword' as const, detail: 'cancel, useless' }];

  it('when a conversation is handed over, then the issue quotes the first meaningful messages with their category', () => {
    const summary = summarizeForHandoff({ transcript, customer: dana, reasons, config });

    expect(summary.issue).toBe('Order status: "where is my order #1234?" "It was due on Monday."');
  });

  it('when the assistant answered, then the summary lists its answers, the articles cited and why it handed over', () => {
    const summary = summarizeForHandoff({ transcript, customer: dana, reasons, config });

    expect(summary.aiTried).toBe(
      'The assistant answered 2 times: "You can follow your order from Orders in your account." (articles kb-track-order); ' +
        '"Orders usually arrive within 5 working days of dispatch." (articles kb-delivery, kb-track-order). ' +
        'Handed over because: cancellation is handled by people; said "cancel", "useless".',
    );
  });

  it('when the customer ends very negative, then the mood is frustrated and the first line apologises', () => {
    const summary = summarizeForHandoff({ transcript, customer: dana, reasons, config });

    expect(summary.mood).toBe('frustrated');
    expect(summary.suggestedFirstLine).toBe(
      "Hi Dana, I've read your conversation with our assistant and I see you need help with order status for your order #1234. I'm sorry for the trouble. I can help with that.",
    );
  });

  it('when the assistant never answered, then the summary says so', () => {
    const summary = summarizeForHandoff({
      transcript: [customerSays('Talk to a person now', classified('contact_human_agent'))],
      customer: dana,
      reasons: [{ code: 'human_request' }],
      config,
    });

    expect(summary.aiTried).toBe('The assistant had not answered yet. Handed over because: the customer asked for a person.');
  });

  it('when the first message is long, then the issue is that message alone, clipped at a word', () => {
    const long = `My parcel ${'arrived damaged and '.repeat(20)}I need a replacement`;

    const summary = summarizeForHandoff({
      transcript: [customerSays(long, classified('complaint')), customerSays('Also, can I get an invoice?')],
      customer: dana,
      reasons: [],
      config,
    });

    expect(summary.issue).toMatch(/^Complaint or frustration: "My parcel (arrived damaged and )+arrived…"$/);
    expect(summary.issue.length).toBeLessThan(long.length);
    expect(summary.issue).not.toContain('invoice');
  });

  it('when the same conversation is summarized twice, then both summaries are identical', () => {
    const first = summarizeForHandoff({ transcript, customer: dana, reasons, config });
    const second = summarizeForHandoff({ transcript, customer: dana, reasons, config });

    expect(second).toEqual(first);
  });
});

describe('describeReason', () => {
  it('when a reason is described, then an agent reads it in plain words', () => {
    expect(describeReason({ code: 'repeat', detail: 'asked 3 times' }, config)).toBe('the same question asked 3 times');
    expect(describeReason({ code: 'category:technical_bug' }, config)).toBe('technical bug is handled by people');
    expect(describeReason({ code: 'llm_failure' }, config)).toBe('the assistant was unavailable');
  });
});

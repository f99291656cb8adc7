import { supportConfigSchema } from '../../../config/schema';
import { escalationReasons, type EscalationInput } from '../../../domain/escalation';
import type { Classification, CustomerProfile, TranscriptMessage } from '../../../domain/types';
import { aiSays, classified, config, customerSays, dana } from './builders';

function reasonsFor(
  text: string,
  classification: Classification,
  { transcript = [], customer = dana, overrides = config }: {
    transcript?: TranscriptMessage[];
    customer?: CustomerProfile;
    overrides?: EscalationInput['config'];
  } = {},
) {
  return escalationReasons({ config: overrides, customer, transcript, message: { text, classification } });
}

const codes = (reasons: { code: string }[]) => reasons.map((reason) => reason.code);

describe('escalationReasons', () => {
  it('when a calm routine question is classified confidently, then the AI may answer', () => {
    const reasons = reasonsFor('How do I track my order 1234?', classified('track_order'));

    expect(reasons).toEqual([]);
  });

  it('when a customer says "this is useless, I want to cancel", then the keyword and the cancellation category escalate', () => {
    const classification = classified('cancel_order', { sentiment: -0.4 });

    const reasons = reasonsFor('this is useless, I want to cancel', classification);

    expect(codes(reasons)).toEqual(['category:cancellation', 'keyword']);
    expect(reasons.find((reason) => reason.code === 'keyword')?.detail).toBe('useless');
  });

  it('when a message triggers several rules, then the reasons come in the documented order', () => {
    const vip: CustomerProfile = { ...dana, tier: 'vip' };
    const classification = classified('cancel_order', { sentiment: -0.9, confidence: 0.2 });

    const reasons = reasonsFor('Cancel it now, this is ridiculous', classification, { customer: vip });

    expect(codes(reasons)).toEqual(['category:cancellation', 'keyword', 'sentiment', 'high_value', 'low_confidence']);
  });

  describe('sentiment', () => {
    it('when one message is very negative, then it escalates', () => {
      expect(codes(reasonsFor('I have waited all week', classified('track_order', { sentiment: -0.7 })))).toEqual([
        'sentiment',
      ]);
    });

    it('when a message is only mildly negative, then it does not escalate on sentiment', () => {
      expect(reasonsFor('I have waited all week', classified('track_order', { sentiment: -0.5 }))).toEqual([]);
    });

    it('when the mood falls by the configured drop within the window and ends negative, then the trend escalates', () => {
      const transcript = [
        customerSays('Hi, quick question about delivery', classified('delivery_period', { sentiment: 0.4 })),
        aiSays('Delivery takes 3 to 5 working days.'),
        customerSays('It has been 6 days', classified('track_order', { sentiment: 0.1 })),
      ];

      const reasons = reasonsFor('Still nothing here', classified('track_order', { sentiment: -0.2 }), { transcript });

      expect(codes(reasons)).toEqual(['sentiment_trend']);
    });

    it('when the mood fell but the latest message is not negative, then the trend does not escalate', () => {
      const transcript = [customerSays('Great, thanks!', classified('review', { sentiment: 0.8 }))];

      expect(reasonsFor('Ok, and invoices?', classified('get_invoice', { sentiment: 0 }), { transcript })).toEqual([]);
    });

    it('when the drop happened before the window, then the trend does not escalate', () => {
      const transcript = [
        customerSays('Love the shop!', classified('review', { sentiment: 0.8 })),
        customerSays('Where is my parcel?', classified('track_order', { sentiment: -0.1 })),
        customerSays('Any news?', classified('track_order', { sentiment: -0.1 })),
      ];

      const reasons = reasonsFor('Can you check the invoice', classified('get_invoice', { sentiment: -0.2 }), {
        transcript,
      });

      expect(codes(reasons)).not.toContain('sentiment_trend');
    });
  });

  describe('keyword', () => {
    it('when a keyword is only part of a longer word, then it does not escalate', () => {
      const reasons = reasonsFor('What is your cancellation fee?', classified('check_cancellation_fee'));

      expect(reasons).toEqual([]);
    });

    it('when the business configures its own keywords, then those escalate', () => {
      const custom = supportConfigSchema.parse({
        ...config,
        escalation: { ...config.escalation, keywords: ['chargeback', 'data breach'] },
      });

      const reasons = reasonsFor('Is this a Data Breach?', classified('edit_account'), { overrides: custom });

      expect(reasons).toEqual([{ code: 'keyword', detail: 'data breach' }]);
    });
  });

  describe('repeat', () => {
    it('when the customer asks about the same order a third time in different words, then it escalates', () => {
      const transcript = [
        customerSays('where is my order 123?', classified('track_order')),
        aiSays('You can follow it from Orders in your account.', ['kb-track']),
        customerSays('has my package shipped yet?', classified('track_order')),
        aiSays('Orders ship within 2 working days.', ['kb-shipping']),
      ];

      const reasons = reasonsFor('when will my order arrive?', classified('track_order'), { transcript });

      expect(reasons).toEqual([{ code: 'repeat', detail: 'asked 3 times' }]);
    });

    it('when the customer asks different questions, then it does not escalate', () => {
      const transcript = [
        customerSays('where is my order 123?', classified('track_order')),
        customerSays('how do I reset my password?', classified('recover_password')),
      ];

      expect(reasonsFor('can I get an invoice?', classified('get_invoice'), { transcript })).toEqual([]);
    });

    it('when the classifier is sure similar-looking messages ask different things, then they are not a repeat', () => {
      const transcript = [
        customerSays('can I change my order 123?', classified('change_order')),
        customerSays('can I track my order 123?', classified('track_order')),
      ];

      const reasons = reasonsFor('can I get a refund for my order 123?', classified('get_refund'), { transcript });

      expect(reasons).toEqual([]);
    });

    it('when the classifier is unsure but the customer keeps sending the same words, then the text counts as a repeat', () => {
      const unsure = classified('review', { confidence: 0.2 });
      const transcript = [
        customerSays('the blue widget will not turn on', unsure),
        customerSays('the blue widget still will not turn on', unsure),
      ];

      const reasons = reasonsFor('blue widget wont turn on!!', unsure, { transcript });

      expect(codes(reasons)).toEqual(['repeat', 'low_confidence']);
    });
  });

  it('when the customer asks for a person, then the reason is human_request and not a category', () => {
    expect(reasonsFor('Can I talk to a real person?', classified('contact_human_agent'))).toEqual([
      { code: 'human_request' },
    ]);
  });

  it('when a category is handled by people, then it escalates with that category in the code', () => {
    expect(codes(reasonsFor('Your checkout page crashes', classified('complaint')))).toEqual(['category:complaint']);
  });

  it('when confidence is below the threshold, then it escalates, and exactly at the threshold it does not', () => {
    const unsure = reasonsFor('hmm', classified('review', { confidence: 0.34 }));
    const justSure = reasonsFor('hmm', classified('review', { confidence: 0.35 }));

    expect(unsure).toEqual([{ code: 'low_confidence', detail: '0.34' }]);
    expect(justSure).toEqual([]);
  });

  describe('high value', () => {
    it('when a VIP asks about billing, then it escalates', () => {
      const vip: CustomerProfile = { ...dana, tier: 'VIP' };

      expect(codes(reasonsFor('Why was I charged twice?', classified('payment_issue'), { customer: vip }))).toEqual([
        'high_value',
      ]);
    });

    it('when a VIP asks a how-to question, then the AI may answer', () => {
      const vip: CustomerProfile = { ...dana, tier: 'vip' };

      expect(reasonsFor('How do I change my address?', classified('change_shipping_address'), { customer: vip })).toEqual(
        [],
      );
    });

    it('when lifetime value reaches the threshold, then it counts as high value, and just below it does not', () => {
      const big: CustomerProfile = { ...dana, lifetimeValue: 5000 };
      const almost: CustomerProfile = { ...dana, lifetimeValue: 4999 };

      expect(codes(reasonsFor('Charged twice', classified('payment_issue'), { customer: big }))).toEqual(['high_value']);
      expect(reasonsFor('Charged twice', classified('payment_issue'), { customer: almost })).toEqual([]);
    });
  });
});

import { supportConfigSchema } from '../../../config/schema';
import { raisePriority, routeHandoff } from '../../../domain/routing';
import { PRIORITIES, type CustomerProfile } from '../../../domain/types';
import { classified, config, customerSays, dana } from './builders';

describe('routeHandoff', () => {
  it('when a cancellation is handed over, then it goes to the complaints queue at high priority', () => {
    const classification = classified('cancel_order');

    const route = routeHandoff({
      config,
      classification,
      reasons: [{ code: 'category:cancellation' }],
      customer: dana,
      transcript: [customerSays('I want to cancel order 1234', classification)],
    });

    expect(route).toEqual({ queue: 'complaints', priority: 'high' });
  });

  it('when the latest message is very negative, then the priority goes up one step', () => {
    const classification = classified('track_order', { sentiment: -0.8 });

    const route = routeHandoff({
      config,
      classification,
      reasons: [{ code: 'sentiment' }],
      customer: dana,
      transcript: [],
    });

    expect(route).toEqual({ queue: 'general', priority: 'high' });
  });

  it('when a high-value customer is also very negative about a complaint, then both raise it to urgent', () => {
    const vip: CustomerProfile = { ...dana, lifetimeValue: 12_000 };
    const classification = classified('complaint', { sentiment: -0.9 });

    const route = routeHandoff({ config, classification, reasons: [], customer: vip, transcript: [] });

    expect(route).toEqual({ queue: 'complaints', priority: 'urgent' });
  });

  it('when the customer asks for a person after a billing question, then billing gets it at billing priority', () => {
    const transcript = [
      customerSays('Why was I charged twice?', classified('payment_issue')),
      customerSays('Let me talk to a human', classified('contact_human_agent')),
    ];

    const route = routeHandoff({
      config,
      classification: classified('contact_human_agent'),
      reasons: [{ code: 'human_request' }],
      customer: dana,
      transcript,
    });

    expect(route).toEqual({ queue: 'billing', priority: 'normal' });
  });

  it('when the very first message asks for a person, then the human-request queue gets it', () => {
    const route = routeHandoff({
      config,
      classification: classified('contact_human_agent'),
      reasons: [{ code: 'human_request' }],
      customer: dana,
      transcript: [],
    });

    expect(route).toEqual({ queue: 'general', priority: 'normal' });
  });

  it('when the model could not classify the latest message, then the last classified message decides', () => {
    const transcript = [customerSays('I was charged twice', classified('payment_issue'))];

    const route = routeHandoff({ config, reasons: [{ code: 'llm_failure' }], customer: dana, transcript });

    expect(route).toEqual({ queue: 'billing', priority: 'normal' });
  });

  it('when nothing was ever classified, then the first configured queue gets it at normal priority', () => {
    const route = routeHandoff({ config, reasons: [{ code: 'llm_failure' }], customer: dana, transcript: [] });

    expect(route).toEqual({ queue: 'general', priority: 'normal' });
  });

  it('when a category reason is more urgent than the routing category, then the priority rises to it', () => {
    const route = routeHandoff({
      config,
      classification: classified('get_invoice'),
      reasons: [{ code: 'category:complaint' }],
      customer: dana,
      transcript: [],
    });

    expect(route).toEqual({ queue: 'billing', priority: 'high' });
  });

  it('when the category is already urgent, then raises stay capped at urgent', () => {
    const urgentBugs = supportConfigSchema.parse({
      ...config,
      categories: config.categories.map((category) =>
        category.id === 'technical_bug' ? { ...category, priority: 'urgent' } : category,
      ),
    });
    const vip: CustomerProfile = { ...dana, tier: 'enterprise' };

    const route = routeHandoff({
      config: urgentBugs,
      classification: classified('technical_bug', { category: 'technical_bug', sentiment: -1 }),
      reasons: [],
      customer: vip,
      transcript: [],
    });

    expect(route).toEqual({ queue: 'technical', priority: 'urgent' });
  });
});

describe('raisePriority', () => {
  it('when raised, then each priority moves one step and urgent stays urgent', () => {
    expect(PRIORITIES.map((priority) => raisePriority(priority))).toEqual([
      'normal',
      'high',
      'urgent',
      'urgent',
    ]);
  });

  it('when raised by two steps, then low becomes high', () => {
    expect(raisePriority('low', 2)).toBe('high');
  });
});

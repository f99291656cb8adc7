import { fillPlaceholders, KnowledgeIndex } from '../../../ai/embedded/retrieval';
import type { KnowledgeArticle } from '../../../domain/types';

const ARTICLES: KnowledgeArticle[] = [
  {
    id: 'kb-track_order-1',
    title: 'Track an order',
    questions: ['where is my order', 'how can I track my package', 'status of order 123'],
    body: 'Open {{Order History}} on {{Website Name}} to follow order {{Order Number}}.',
    category: 'order_status',
    intent: 'track_order',
  },
  {
    id: 'kb-cancel_order-1',
    title: 'Cancel an order',
    questions: ['I want to cancel my order', 'how do I cancel a purchase', 'cancelling order'],
    body: 'Press {{Cancel Order}} next to order {{Purchase ID Anonymized}}.',
    category: 'cancellation',
    intent: 'cancel_order',
  },
  {
    id: 'kb-check_cancellation_fee-1',
    title: 'Cancellation fees',
    questions: ['is there a fee for cancelling', 'how much is the cancellation fee'],
    body: 'Call {{Customer Support Phone Number}} during {{Customer Service Hours}}.',
    category: 'billing',
    intent: 'check_cancellation_fee',
  },
];

const BRAND = {
  'Website Name': 'shop.example',
  'Customer Support Phone Number': '+1 555 0100',
  'Customer Support Hours': 'Monday to Friday, 9 to 6',
  'Customer Support Email': 'help@shop.example',
};

describe('knowledge retrieval', () => {
  const index = new KnowledgeIndex(ARTICLES);

  it('when a customer asks in their own words, then the article written for that question comes first', () => {
    // Act
    const tracked = index.search('where is my package??');
    const cancelled = index.search('I need to cancel the purchase I made yesterday');
    const fee = index.search('what fee do you charge for a cancellation');

    // Assert
    expect(tracked[0]?.article.id).toBe('kb-track_order-1');
    expect(cancelled[0]?.article.id).toBe('kb-cancel_order-1');
    expect(fee[0]?.article.id).toBe('kb-check_cancellation_fee-1');
    expect(tracked[0]?.score).toBeGreaterThan(0);
  });

  it('when the classified intent is given, then its article is boosted above an equal match', () => {
    // Act: "order" alone matches both order articles equally; ties otherwise go by id
    const boosted = index.search('order', { intent: 'track_order' });

    // Assert
    expect(boosted[0]?.article.id).toBe('kb-track_order-1');
  });

  it('when nothing in the knowledge base shares a word with the question, then no article is returned', () => {
    expect(index.search('weather forecast tomorrow')).toEqual([]);
  });
});

describe('placeholder filling', () => {
  it('when the brand and the conversation know a placeholder, then its value is used, matched loosely', () => {
    // Act
    const text = fillPlaceholders(
      'Visit {{Website Name}}, call {{Support Phone Number}} ({{Customer Service Hours}}) about order {{Order Number}}.',
      BRAND,
      { 'Order Number': '98765' },
    );

    // Assert
    expect(text).toBe('Visit shop.example, call +1 555 0100 (Monday to Friday, 9 to 6) about order 98765.');
  });

  it('when a conversation gives the order number, then anonymised purchase ids are filled with it', () => {
    expect(fillPlaceholders('Order {{Purchase ID Anonymized}}', BRAND, { 'Order Number': 'A-1234' })).toBe('Order A-1234');
  });

  it('when nobody knows a placeholder, then it is written out in neutral words', () => {
    // Act
    const text = fillPlaceholders('Open {{Order History}} and find {{Order Number Anonymized}} or {{Bill ID}}.', BRAND);

    // Assert
    expect(text).toBe('Open Order History and find your order number or your bill number.');
  });

  it('when any answer is filled, then no "{{" or "}}" is left, even from broken placeholders', () => {
    // Arrange
    const bodies = [
      ...ARTICLES.map((article) => article.body),
      'Broken {{Website Name} and {{ }} and {{Unclosed',
      '{{Live Chat}} {{Customer Support Email Address}} {{113542617735902}}',
    ];

    // Act
    const filled = bodies.map((body) => fillPlaceholders(body, BRAND));

    // Assert
    for (const text of filled) {
      expect(text).not.toMatch(/\{\{|\}\}/);
    }
    expect(filled[filled.length - 1]).toBe('Live Chat help@shop.example 113542617735902');
  });
});

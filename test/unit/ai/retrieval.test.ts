import { loadSentenceEncoder, type SentenceEncoder } from '../../../ai/embedded/encoder';
import { KnowledgeIndex, passagesOf } from '../../../ai/embedded/retrieval';
import { encoderDir } from '../../../config/paths';
import { fillPlaceholders } from '../../../domain/placeholders';
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
  const lexical = new KnowledgeIndex(ARTICLES);
  let hybrid: KnowledgeIndex;
  let encoder: SentenceEncoder;

  beforeAll(async () => {
    encoder = await loadSentenceEncoder(encoderDir());
    hybrid = new KnowledgeIndex(ARTICLES, { passageEmbeddings: await Promise.all(ARTICLES.map((a) => encoder.embed(passagesOf(a)))) });
  });

  const search = async (question: string) => hybrid.search(question, { embedding: (await encoder.embed([question]))[0] });

  it('when a customer asks in their own words, then the article written for that question comes first', async () => {
    // Act
    const tracked = await search('where is my package??');
    const cancelled = await search('I need to cancel the purchase I made yesterday');
    const fee = await search('what fee do you charge for a cancellation');

    // Assert
    expect(tracked[0]?.article.id).toBe('kb-track_order-1');
    expect(cancelled[0]?.article.id).toBe('kb-cancel_order-1');
    expect(fee[0]?.article.id).toBe('kb-check_cancellation_fee-1');
  });

  it('when the question shares no word with the article but means the same, then meaning finds it', async () => {
    // Act: no term of "parcel hasn't turned up" is in the tracking article
    const [best] = await search("parcel hasn't turned up yet, any news?");

    // Assert
    expect(lexical.search("parcel hasn't turned up yet, any news?")).toEqual([]);
    expect(best?.article.id).toBe('kb-track_order-1');
  });

  it('when a question is about something else entirely, then every score stays low', async () => {
    // Act
    const hits = await search('what will the weather be like in Paris tomorrow');
    const answered = await search('where is my order');

    // Assert
    expect(Math.max(...hits.map((hit) => hit.score))).toBeLessThan(0.35);
    expect(answered[0]?.score).toBeGreaterThan(0.6);
  });

  it('when searched without an embedding, then only articles sharing a word are returned', () => {
    expect(lexical.search('weather forecast tomorrow')).toEqual([]);
    expect(lexical.search('track my package')[0]?.article.id).toBe('kb-track_order-1');
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

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSentenceEncoder } from '../../../ai/embedded/encoder';
import { createKnowledgeSearch } from '../../../ai/knowledge-search';
import { loadModel } from '../../../ai/model-store';
import { categoryForLabel, createUnderstanding, detectLanguage, type Understanding } from '../../../ai/understanding';
import { cacheDir, encoderDir } from '../../../config/paths';
import type { KnowledgeArticle } from '../../../domain/types';
import { config } from './synthetic';

// The shipped model, encoder and demo knowledge base on the messages the product guide and our
// issue tracker use as examples: what a new user tries first.

const articles = (JSON.parse(readFileSync(path.resolve(__dirname, '../../../data/knowledge-seed.json'), 'utf8')) as { articles: KnowledgeArticle[] }).articles;
let understanding: Understanding;

beforeAll(async () => {
  const encoder = await loadSentenceEncoder(encoderDir());
  const model = await loadModel('default');
  const knowledge = createKnowledgeSearch({ revision: async () => 'seed', published: async () => articles }, encoder, path.join(cacheDir(), 'embeddings'));
  understanding = createUnderstanding({ encoder, model: () => model, knowledge });
}, 120_000);

const understand = (text: string, previous?: string) => understanding.understand({ text, previous, config });

describe('understanding a customer message', () => {
  test('when a question is full of typos, then its intent and the article written for it are found', async () => {
    const understood = await understand('hw do i chnage my shiping adress');

    expect(understood.intent).toBe('change_shipping_address');
    expect(understood.grounding?.articleId).toBe('kb-change_shipping_address-1');
    expect(understood.grounding?.score).toBeGreaterThanOrEqual(config.knowledge.minAnswerScore);
  });

  test('when a parcel is lost, a bug is reported or hours are asked, then each lands in its own category', async () => {
    const lost = await understand("my shipment is lost, and it's for my daughter's birthday");
    const crash = await understand('the app keeps crashing when i open it');
    const hours = await understand('what are your business hours?');

    expect(lost.category).toBe('delivery_problem');
    expect(crash.category).toBe('technical_bug');
    expect(hours.intent).toBe('business_hours');
    expect(hours.grounding?.articleId).toBe('kb-business_hours-1');
  });

  test('when a charge is not the customer\'s or the account was taken over, then it is fraud for a person, not a payment question', async () => {
    const charge = await understand("there's a charge from acme outfitters on my card for £64 and i never ordered anything");
    const takenOver = await understand('someone got into my account and ordered stuff with my saved card');
    const declined = await understand('my card keeps getting declined at checkout');

    expect(charge.category).toBe('fraud');
    expect(takenOver.category).toBe('fraud');
    expect(declined.intent).toBe('payment_issue');
    expect(config.categories.find((category) => category.id === 'fraud')?.handling).toBe('human');
  });

  test('when the customer only greets or leaves, then it is small talk, confidently', async () => {
    const hi = await understand('hi');
    const bye = await understand('thanks, bye');

    expect([hi.intent, hi.category]).toEqual(['greeting', 'small_talk']);
    expect([bye.intent, bye.category]).toEqual(['goodbye', 'small_talk']);
    expect(hi.confidence).toBeGreaterThan(config.escalation.lowConfidence);
  });

  test('when the question is about something else entirely, then no article is chosen for it', async () => {
    const weather = await understand('what will the weather be like in london tomorrow');

    expect(weather.intent).toBe('oos');
    expect(weather.grounding?.articleId).toBeUndefined();
  });

  test('when a short follow-up comes after an answer, then it is read with the previous message', async () => {
    const followUp = await understand('and what about to canada?', 'do you ship to australia');

    expect(followUp.intent).toBe('shipping_countries');
  });

  test('when a message is in French or German, then its language is detected; chat English is English; short text is not guessed', () => {
    expect(detectLanguage("bonjour, je voudrais annuler ma commande s'il vous plaît")).toBe('fr');
    expect(detectLanguage('wo ist meine bestellung? ich warte seit zwei wochen')).toBe('de');
    expect(detectLanguage('hw do i chnage my shiping adress')).toBe('en');
    expect(detectLanguage('whats the delivery timeframe on tents, theyre big')).toBe('en');
    expect(detectLanguage('yo')).toBeUndefined();
  });

  test('when a label is a category id or unknown to the configuration, then it maps to itself or to "other"', () => {
    expect(categoryForLabel('cancel_order', config)).toBe('cancellation');
    expect(categoryForLabel('billing', config)).toBe('billing');
    expect(categoryForLabel('card_arrival', config)).toBe('other');
  });
});

import { categoryForLabel, createEmbeddedProvider } from '../../../ai/embedded/provider';
import type { CustomerProfile, KnowledgeArticle, TranscriptMessage } from '../../../domain/types';
import { config, trainSyntheticModel } from './synthetic';

const CUSTOMER: CustomerProfile = { id: 'c-1', name: 'Dana Scully', email: 'dana@example.com' };
const ARTICLE: KnowledgeArticle = {
  id: 'kb-track_order-1',
  title: 'Track an order',
  questions: ['where is my order'],
  body: 'You can follow order {{Order Number}} under {{Order History}} on {{Website Name}}.',
  category: 'order_status',
  intent: 'track_order',
};

describe('embedded provider', () => {
  const model = trainSyntheticModel();
  const provider = createEmbeddedProvider({ model });

  it('when classifying, then the label, its category, a calibrated confidence, sentiment and the model version come back', async () => {
    // Act
    const classification = await provider.classify('where is my order?? this is ridiculous', { config });

    // Assert
    expect(classification).toMatchObject({ intent: 'track_order', category: 'order_status', modelVersion: model.id });
    expect(classification.confidence).toBeGreaterThan(0.5);
    expect(classification.confidence).toBeLessThanOrEqual(1);
    expect(classification.sentiment).toBeLessThan(0);
  });

  it('when a label is a category id or unknown to the configuration, then it maps to itself or to "other"', () => {
    expect(categoryForLabel('cancel_order', config)).toBe('cancellation');
    expect(categoryForLabel('billing', config)).toBe('billing');
    expect(categoryForLabel('card_arrival', config)).toBe('other');
  });

  it('when the model getter changes what it returns, then the next call uses the new model', async () => {
    // Arrange
    let current = model;
    const swapping = createEmbeddedProvider({ model: () => current });
    const other = trainSyntheticModel(2);

    // Act
    const before = await swapping.classify('reset my password', { config });
    current = other;
    const after = await swapping.classify('reset my password', { config });

    // Assert
    expect(before.modelVersion).toBe(model.id);
    expect(after.modelVersion).toBe(other.id);
  });

  it('when articles are given, then the answer greets by first name, quotes the best article filled in, signs off and cites it', async () => {
    // Act
    const draft = await provider.answer({
      question: 'where is order #4321?',
      transcript: [],
      articles: [ARTICLE],
      customer: CUSTOMER,
      config,
    });

    // Assert
    expect(draft.citations).toEqual(['kb-track_order-1']);
    expect(draft.text.startsWith('Hi Dana,')).toBe(true);
    expect(draft.text).toContain('You can follow order 4321 under Order History on acme-outfitters.example.');
    expect(draft.text.endsWith(config.brand.signOff)).toBe(true);
    expect(draft.text).not.toContain('{{');
  });

  it('when no article is given, then the answer says it does not know and cites nothing', async () => {
    // Act
    const draft = await provider.answer({ question: 'do you sell boats?', transcript: [], articles: [], customer: CUSTOMER, config });

    // Assert
    expect(draft.citations).toEqual([]);
    expect(draft.text).toContain("I don't have that information");
  });

  it('when asked for a handoff summary, then it is built from the transcript without a model', async () => {
    // Arrange
    const transcript: TranscriptMessage[] = [
      { id: 'm1', role: 'customer', text: 'my order 555 never arrived', at: '2026-01-01T10:00:00Z' },
    ];

    // Act
    const summary = await provider.summarize({ transcript, customer: CUSTOMER, reasons: [{ code: 'keyword' }], config });

    // Assert
    expect(summary.issue).toContain('my order 555 never arrived');
    expect(summary.suggestedFirstLine).toContain('Dana');
  });

  it('when asked for health, then it is up and names the model', async () => {
    await expect(provider.health()).resolves.toEqual({ up: true, detail: `embedded model ${model.id}` });
  });
});

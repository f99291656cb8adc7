import { createEmbeddedProvider } from '../../../ai/embedded/provider';
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
  const provider = createEmbeddedProvider(() => `embedded model ${model.id}`);

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

  it('when no article is given, then no answer is written (the AI never answers ungrounded)', async () => {
    await expect(
      provider.answer({ question: 'do you sell boats?', transcript: [], articles: [], customer: CUSTOMER, config }),
    ).rejects.toThrow(/grounded/);
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

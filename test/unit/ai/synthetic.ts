import { supportConfigSchema, type SupportConfig } from '../../../config/schema';
import defaultConfig from '../../../config/support.default.json';
import { trainClassifier, type LoadedModel } from '../../../ai/embedded/classifier';

// A tiny labelled set made from templates: three intents customers phrase in many ways.

const OPENERS = ['', 'hi, ', 'hello ', 'please ', 'can you help me ', 'i need to ', 'how do i ', 'quick question: '];

const INTENTS: Record<string, string[]> = {
  track_order: ['where is my order', 'track my package', 'has my parcel shipped', 'when will my order arrive', 'order status please'],
  recover_password: ['reset my password', 'i forgot my password', 'cannot log in, lost password', 'recover my account password', 'password reset link'],
  get_refund: ['i want my money back', 'refund my purchase', 'how do i get a refund', 'request a refund for the item', 'return it for a refund'],
};

export function syntheticExamples(): { texts: string[]; labels: string[] } {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const [label, phrases] of Object.entries(INTENTS)) {
    for (const phrase of phrases) {
      for (const opener of OPENERS) {
        texts.push(`${opener}${phrase}`);
        labels.push(label);
      }
    }
  }
  return { texts, labels };
}

export function trainSyntheticModel(seed = 1): LoadedModel {
  const { texts, labels } = syntheticExamples();
  return trainClassifier(texts, labels, {
    name: 'synthetic',
    seed,
    createdAt: new Date('2026-01-02T00:00:00Z'),
    featureSpec: { dimensions: 1 << 14 },
    calibrationFraction: 0.2,
  });
}

export const config: SupportConfig = supportConfigSchema.parse(defaultConfig);

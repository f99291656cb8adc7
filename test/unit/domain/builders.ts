import defaultConfig from '../../../config/support.default.json';
import { supportConfigSchema, type SupportConfig } from '../../../config/schema';
import type { Classification, CustomerProfile, TranscriptMessage } from '../../../domain/types';

// Small builders so each test states only what matters to it.

export const config: SupportConfig = supportConfigSchema.parse(defaultConfig);

export const dana: CustomerProfile = { id: 'cust-1', name: 'Dana Whitfield', email: 'dana@example.com' };

/** A confident, calm classification of `intent`, mapped to its category by the default config. */
export function classified(intent: string, overrides: Partial<Classification> = {}): Classification {
  return {
    intent,
    category: config.intentCategories[intent] ?? intent,
    confidence: 0.9,
    sentiment: 0,
    modelVersion: 'test-model',
    ...overrides,
  };
}

let nextId = 0;

export function customerSays(text: string, classification?: Classification): TranscriptMessage {
  nextId += 1;
  return { id: `m${nextId}`, role: 'customer', text, at: '2026-01-05T10:00:00.000Z', classification };
}

export function aiSays(text: string, citations: string[] = []): TranscriptMessage {
  nextId += 1;
  return { id: `m${nextId}`, role: 'ai', text, at: '2026-01-05T10:00:05.000Z', citations };
}

import type { SupportConfig } from '../../config/schema';
import { findOrderNumber, summarizeForHandoff } from '../../domain/handoff';
import type { AnswerDraft, Classification, CustomerProfile, HandoffSummary } from '../../domain/types';
import type { AnswerRequest, ClassifyContext, ModelProvider, SummaryRequest } from '../provider';
import type { LoadedModel } from './classifier';
import { fillPlaceholders } from './retrieval';
import { scoreSentiment } from './sentiment';

// The in-process provider: no network, no downloads. Classification by the trained linear model,
// sentiment by the lexicon, answers by quoting the best retrieved article in the brand's voice.

export interface EmbeddedProviderOptions {
  /** A model, or a getter returning the currently promoted one so a new version applies at once. */
  model: LoadedModel | (() => LoadedModel);
}

/** The category a model label belongs to; a label that is itself a category id maps to itself. */
export function categoryForLabel(label: string, config: SupportConfig): string {
  const mapped = config.intentCategories[label];
  if (mapped !== undefined) return mapped;
  return config.categories.some((category) => category.id === label) ? label : 'other';
}

export function createEmbeddedProvider(options: EmbeddedProviderOptions): ModelProvider {
  const { model } = options;
  const currentModel = typeof model === 'function' ? model : () => model;

  return {
    name: 'embedded',

    async classify(text: string, ctx: ClassifyContext): Promise<Classification> {
      ctx.signal?.throwIfAborted();
      const classifier = currentModel();
      const { label, confidence } = classifier.predict(text);
      return {
        intent: label,
        category: categoryForLabel(label, ctx.config),
        confidence,
        sentiment: scoreSentiment(text),
        modelVersion: classifier.id,
      };
    },

    async answer(req: AnswerRequest): Promise<AnswerDraft> {
      req.signal?.throwIfAborted();
      const { brand } = req.config;
      const greeting = `Hi ${firstName(req.customer)},`;
      const best = req.articles[0];
      const body = best
        ? fillPlaceholders(best.body, brand.placeholders, conversationValues(req.question, req.customer))
        : "I'm sorry, I don't have that information, and I would rather not guess. " +
          'If you like, I can pass your question to a member of our team.';
      return {
        text: [greeting, body.trim(), brand.signOff].filter((part) => part !== '').join('\n\n'),
        citations: best ? [best.id] : [],
      };
    },

    async summarize(req: SummaryRequest): Promise<HandoffSummary> {
      req.signal?.throwIfAborted();
      return summarizeForHandoff(req);
    },

    async health(): Promise<{ up: boolean; detail: string }> {
      return { up: true, detail: `embedded model ${currentModel().id}` };
    },
  };
}

/** Placeholder values this conversation supplies: who the customer is and the order they named. */
function conversationValues(question: string, customer: CustomerProfile): Record<string, string> {
  const values: Record<string, string> = { 'Customer Name': customer.name };
  const orderNumber = findOrderNumber(question);
  if (orderNumber !== undefined) values['Order Number'] = orderNumber;
  return values;
}

function firstName(customer: CustomerProfile): string {
  const first = customer.name.trim().split(/\s+/)[0] ?? '';
  return first === '' || first.includes('@') ? 'there' : first;
}

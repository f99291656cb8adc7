import { summarizeForHandoff } from '../../domain/handoff';
import { fillPlaceholders, inBrandVoice, placeholderValues } from '../../domain/placeholders';
import type { AnswerDraft, HandoffSummary } from '../../domain/types';
import type { AnswerRequest, ModelProvider, SummaryRequest } from '../provider';

// The in-process writer: no network, no downloads. It answers by quoting the chosen article in
// the brand's voice, and summarises handoffs extractively. Understanding the message is not its
// job (ai/understanding.ts does that for every provider).

export function createEmbeddedProvider(describe: () => string): ModelProvider {
  return {
    name: 'embedded',

    async answer(req: AnswerRequest): Promise<AnswerDraft> {
      req.signal?.throwIfAborted();
      const article = req.articles[0];
      if (!article) throw new Error('an answer needs the article it is grounded in');
      const values = placeholderValues(req.config, req.customer, req.question);
      const body = fillPlaceholders(article.body, values);
      return {
        text: inBrandVoice(req.config, req.customer, body),
        citations: [article.id],
      };
    },

    async summarize(req: SummaryRequest): Promise<HandoffSummary> {
      req.signal?.throwIfAborted();
      return summarizeForHandoff(req);
    },

    async health(): Promise<{ up: boolean; detail: string }> {
      return { up: true, detail: describe() };
    },
  };
}

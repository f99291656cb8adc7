import type {
  AnswerDraft,
  Classification,
  CustomerProfile,
  EscalationReason,
  HandoffSummary,
  KnowledgeArticle,
  TranscriptMessage,
} from '../domain/types';
import type { SupportConfig } from '../config/schema';

/** Everything the classify call needs besides the text. */
export interface ClassifyContext {
  config: SupportConfig;
  signal?: AbortSignal;
}

export interface AnswerRequest {
  question: string;
  transcript: TranscriptMessage[];
  /** Retrieved articles, best first. The provider answers only from these. */
  articles: KnowledgeArticle[];
  customer: CustomerProfile;
  config: SupportConfig;
  signal?: AbortSignal;
}

export interface SummaryRequest {
  transcript: TranscriptMessage[];
  customer: CustomerProfile;
  reasons: EscalationReason[];
  config: SupportConfig;
  signal?: AbortSignal;
}

/**
 * One model interface for the classify, answer and summarize activities. Providers never retry:
 * Temporal owns retries and timeouts. A provider throws `ModelReplyError` for a malformed reply.
 */
export interface ModelProvider {
  readonly name: 'embedded' | 'ollama';
  classify(text: string, ctx: ClassifyContext): Promise<Classification>;
  answer(req: AnswerRequest): Promise<AnswerDraft>;
  summarize(req: SummaryRequest): Promise<HandoffSummary>;
  /** Cheap liveness check for /health. */
  health(): Promise<{ up: boolean; detail: string }>;
}

export class ModelReplyError extends Error {
  override readonly name = 'ModelReplyError';
}

import type {
  AnswerDraft,
  CustomerProfile,
  EscalationReason,
  HandoffSummary,
  KnowledgeArticle,
  TranscriptMessage,
} from '../domain/types';
import type { SupportConfig } from '../config/schema';

export interface AnswerRequest {
  question: string;
  transcript: TranscriptMessage[];
  /** The article the answer is grounded in (ai/understanding.ts chose it). The provider answers only from it. */
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
 * The writer behind the answer and summarize activities (understanding a message is
 * ai/understanding.ts, the same for both). Providers never retry: Temporal owns retries and
 * timeouts. A provider throws `ModelReplyError` for a malformed reply.
 */
export interface ModelProvider {
  readonly name: 'embedded' | 'ollama';
  answer(req: AnswerRequest): Promise<AnswerDraft>;
  summarize(req: SummaryRequest): Promise<HandoffSummary>;
  /** Cheap liveness check for /health. */
  health(): Promise<{ up: boolean; detail: string }>;
}

export class ModelReplyError extends Error {
  override readonly name = 'ModelReplyError';
}

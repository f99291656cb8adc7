import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import type { Models } from '../db/models';

/** What the use cases work with: built once per process, shared by every request. */
export interface AppContext {
  temporal: Client;
  /** Conversations and human tasks run here. */
  taskQueue: string;
  /** Where batch workflows send their heavy steps (audits, training): never delays a customer's reply. */
  batchTaskQueue: string;
  models: Models;
  supportConfig: SupportConfig;
  /** The bound on answering a customer's message: the reply, or 202 pending (TANDEM_ANSWER_WITHIN_MS). */
  answerWithinMs: number;
  log: Logger;
}

import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import type { Models } from '../db/models';
import type { Auth } from './auth';
import type { RateLimitSettings } from './rate-limit';

/** What the routes need; built once per process by `startWebServer`. */
export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  /** How conversations call the model: in-process (local activities) or a model server. */
  modelActivities: 'local' | 'remote';
  /** Where batch workflows send their heavy steps (audits, training): never delays a customer's reply. */
  batchTaskQueue: string;
  models: Models;
  auth: Auth;
  supportConfig: SupportConfig;
  log: Logger;
  health: () => Promise<HealthReport>;
  rateLimits: RateLimitSettings;
}

export interface DependencyHealth {
  up: boolean;
  detail: string;
}

export interface HealthReport {
  status: 'up' | 'down';
  temporal: DependencyHealth;
  /** A worker polls the conversations task queue. */
  worker: DependencyHealth;
  database: DependencyHealth;
  llm: DependencyHealth & { provider: 'embedded' | 'ollama' };
}

import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { SupportConfig } from '../config/schema';
import type { Models } from '../db/models';
import type { Auth } from './auth';

/** What the routes need; built once per process by `startWebServer`. */
export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  models: Models;
  auth: Auth;
  supportConfig: SupportConfig;
  log: Logger;
  health: () => Promise<HealthReport>;
}

export interface DependencyHealth {
  up: boolean;
  detail: string;
}

export interface HealthReport {
  status: 'up' | 'down';
  temporal: DependencyHealth;
  database: DependencyHealth;
  llm: DependencyHealth & { provider: 'embedded' | 'ollama' };
}

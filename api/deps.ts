import type { AppContext } from '../app/context';
import type { Auth } from './auth';
import type { RateLimitSettings } from './rate-limit';

/** What the routes need: the use cases' context, and what only HTTP needs. Built once per process by `startWebServer`. */
export interface ApiDeps extends AppContext {
  auth: Auth;
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

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { supportConfigProblems, supportConfigSchema, type SupportConfig } from './schema';

// Process configuration comes from the environment only, validated once at start-up; a bad value
// stops the process with a message naming the variable. Secrets have no defaults.

const agentSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  name: z.string().min(1),
  token: z.string().min(16),
  queues: z.array(z.string().min(1)).min(1),
  capacity: z.number().int().positive().default(5),
  /** A team lead also sees the team's quality of resolution in the console. */
  lead: z.boolean().default(false),
});
export type AgentConfig = z.infer<typeof agentSchema>;

const keyList = z
  .string()
  .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(16, 'each key needs at least 16 characters')).min(1));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('tandem-conversations'),
  TEMPORAL_BATCH_TASK_QUEUE: z.string().default('tandem-batch'),
  /** A workflow bundle made by scripts/bundle-workflows.ts; unset means the worker bundles at start. */
  TANDEM_WORKFLOW_BUNDLE: z.string().optional(),
  /**
   * Conversations kept in the worker's memory between messages (about 1.5 MB each); the rest are
   * rebuilt from history when they next receive a message.
   */
  TANDEM_WORKER_CACHED_WORKFLOWS: z.coerce.number().int().min(2).default(100),
  /**
   * Queues this worker process polls. Training blocks its process for seconds, so production runs
   * `batch` in a process of its own; one process with both is fine for development and tests.
   */
  TANDEM_WORKER_QUEUES: z
    .string()
    .default('conversations,batch')
    .transform((s) => s.split(',').map((q) => q.trim()))
    .pipe(z.array(z.enum(['conversations', 'batch'])).min(1)),
  MONGO_URL: z.string().default('mongodb://127.0.0.1:27017/tandem'),
  OLLAMA_HOST: z.string().optional(),
  OLLAMA_MODEL: z.string().default('tandem-qwen2.5-0.5b'),
  /**
   * Upper bound on one Ollama HTTP request, in ms; the model activities' own timeouts (30 s to
   * classify, 60 s to answer) still apply. Lower it when a slow model should hand off sooner.
   */
  OLLAMA_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  TANDEM_SUPPORT_CONFIG: z.string().default('config/support.default.json'),
  TANDEM_MODEL_PATH: z.string().default('models/default.json'),
  /** Receives SLA warnings and breaches as JSON POSTs; unset means they are only logged. */
  TANDEM_SLA_WEBHOOK_URL: z.url().optional(),
  /** How often workers check which model version is promoted, in ms. */
  TANDEM_MODEL_CHECK_MS: z.coerce.number().int().min(100).default(5000),
  /** Interval of the retraining schedule: a number with ms, s, m, h or d. */
  TANDEM_RETRAIN_INTERVAL: z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a number with ms, s, m, h or d, e.g. 7d').default('7d'),
  /** The base training data of every retraining run, with its text and label columns. */
  TANDEM_TRAINING_CSV: z.string().default('data/training/base.csv'),
  TANDEM_TRAINING_TEXT_COLUMN: z.string().default('text'),
  TANDEM_TRAINING_LABEL_COLUMN: z.string().default('intent'),
  /** Realistic first messages (`text,kind`) no model trains on: what the retraining gate routes. */
  TANDEM_DEVELOPMENT_CASES: z.string().default('data/eval/conversations-dev.csv'),
  /** Where retraining runs write their JSONL examples for fine-tuning an Ollama model. */
  TANDEM_EXPORT_DIR: z.string().default('.run/exports'),
  /** The business's own API that actions call (the demo store under `./tandem start`); unset means every action fails honestly. */
  TANDEM_ACTIONS_URL: z.url().optional(),
  /** Signs every action request (HMAC-SHA256 over timestamp, method, path and body); the business's API holds the same. */
  TANDEM_ACTIONS_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  /**
   * The business's systems sign the events they post (`POST /v1/events`) with this, as Tandem signs
   * action requests; unset, only an operator key posts events.
   */
  TANDEM_EVENTS_SECRET: z.string().min(32, 'needs at least 32 characters').optional(),
  /** Keys the business's own client uses to start conversations. */
  TANDEM_API_KEYS: keyList,
  /** Signs per-conversation tokens. */
  TANDEM_TOKEN_SECRET: z.string().min(32, 'needs at least 32 characters'),
  /** Keys for operators (metrics, knowledge base, training). */
  TANDEM_OPERATOR_KEYS: keyList,
  /**
   * How long a customer's message waits for its reply before the API answers 202 pending: the
   * message is durable by then, and its reply comes by SSE, webhook and GET.
   */
  TANDEM_ANSWER_WITHIN_MS: z.coerce.number().int().min(2_000).max(60_000).default(10_000),
  /** Requests a minute one conversation token may make (customer routes); in-memory, per API process. */
  TANDEM_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** Requests a minute one API key may make (start and list conversations); in-memory, per API process. */
  TANDEM_API_KEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  /** How long a visitor token (minted for the chat widget) opens its conversation, in seconds. */
  TANDEM_VISITOR_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(3600),
  /** Origins of the sites the widget is embedded in: their browsers may call the visitor routes (CORS) and use a widget key. */
  TANDEM_WIDGET_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin))),
  /** Public widget keys: not secrets (they sit in the page); each starts conversations from an allowed origin only. */
  TANDEM_WIDGET_KEYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16, 'each key needs at least 16 characters'))),
  /** `1` serves the demo page at /demo (./tandem start sets it): it starts a conversation for whoever opens it. */
  TANDEM_DEMO_PAGE: z.enum(['0', '1']).default('0').transform((v) => v === '1'),
  /** JSON array of agents: [{ id, name, token, queues, capacity }]. */
  TANDEM_AGENTS: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(agentSchema)),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** The business's support configuration file, validated. */
export function loadSupportConfig(path: string): SupportConfig {
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`TANDEM_SUPPORT_CONFIG: cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = supportConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`TANDEM_SUPPORT_CONFIG ${file} is invalid:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  const [problem] = supportConfigProblems(config);
  if (problem) throw new ConfigError(problem);
  return config;
}

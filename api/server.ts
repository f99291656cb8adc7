import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { Client, Connection } from '@temporalio/client';
import type { Connection as MongoConnection } from 'mongoose';
import type { Env } from '../config/env';
import { loadSupportConfig } from '../config/env';
import { createLogger } from '../app/logger';
import { connectDatabase } from '../db/models';
import { WORKER_SILENT_AFTER_MS, lastWorkerHeartbeat } from '../db/worker-heartbeats';
import { Auth } from './auth';
import { SIGNATURE_HEADER } from '../domain/action-signature';
import { createRateLimits } from './rate-limit';
import type { ApiDeps, DependencyHealth, HealthReport } from './deps';
import { ApiError, errorHandler } from './errors';
import { agentRoutes } from './routes/agent';
import { conversationRoutes } from './routes/conversations';
import { privacyRoutes } from './routes/privacy';
import { auditRoutes, auditUploadParser } from './routes/audits';
import { metricsRoutes } from './routes/metrics';
import { knowledgeRoutes } from './routes/knowledge';
import { feedbackRoutes } from './routes/feedback';
import { modelRoutes, trainingUploadParser } from './routes/models';
import { documentedMethods, openApiDocument } from './openapi';
import { widgetCors } from './cors';
import { widgetRoutes } from './routes/widget';
import { eventRoutes } from './routes/events';
import { policyRoutes } from './routes/policies';

const BODY_LIMIT = '64kb';
const HEALTH_TIMEOUT_MS = 2000;

export function createApp(deps: ApiDeps, opts: { demoPage?: boolean } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Paths only: query strings may carry customer data.
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }) },
    }),
  );
  app.use(widgetCors(deps.auth));
  app.use(answerOptions);
  app.use(requireJsonBodies);
  // A ticket export is larger than any other body: its route parses first, with its own limit.
  app.use('/v1/audits', deps.auth.operator, auditUploadParser);
  app.use('/v1/models/train', deps.auth.operator, trainingUploadParser);
  app.use(express.json({ limit: BODY_LIMIT, strict: true, verify: keepSignedBody }));

  app.get('/health', async (_req, res) => {
    const report = await deps.health();
    res.status(report.status === 'up' ? 200 : 503).json(report);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  const limits = createRateLimits(deps.rateLimits);
  app.use(conversationRoutes(deps, limits));
  app.use(widgetRoutes(deps, opts.demoPage ?? false));
  app.use(agentRoutes(deps));
  app.use(privacyRoutes(deps, limits));
  app.use(auditRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(knowledgeRoutes(deps));
  app.use(feedbackRoutes(deps));
  app.use(modelRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(policyRoutes(deps));
  app.use((req, res, next) => {
    const allowed = documentedMethods(req.path);
    if (!allowed) return next(new ApiError('route_not_found', 'There is no such route.'));
    res.setHeader('allow', allowed.join(', '));
    next(new ApiError('method_not_allowed', `This route answers ${allowed.join(', ')}.`));
  });
  app.use(errorHandler);
  return app;
}

/** OPTIONS lists the documented methods of a path (routers would each list only their own). */
const answerOptions: RequestHandler = (req, res, next) => {
  const allowed = req.method === 'OPTIONS' ? documentedMethods(req.path) : undefined;
  if (!allowed) return next();
  res.setHeader('allow', [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', '));
  res.status(204).end();
};

/** The JSON parser would silently turn malformed UTF-8 into U+FFFD; refuse it instead. */
function rejectInvalidUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new ApiError('invalid_utf8', 'The body is not valid UTF-8.');
}

/** Keeps the body as sent where a signature covers it (the business's events), after the UTF-8 check. */
function keepSignedBody(req: express.Request, res: unknown, body: Buffer): void {
  rejectInvalidUtf8(req, res, body);
  if (req.get(SIGNATURE_HEADER) !== undefined) (req as express.Request & { rawBody?: string }).rawBody = body.toString('utf8');
}

/** Bodies must be JSON: anything else is refused before it is parsed. */
const requireJsonBodies: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new ApiError('unsupported_media_type', 'Send the body as application/json.'));
    return;
  }
  next();
};

async function withTimeout(check: () => Promise<string>): Promise<DependencyHealth> {
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), HEALTH_TIMEOUT_MS).unref()),
    ]);
    return { up: true, detail };
  } catch (err) {
    return { up: false, detail: (err as Error).message };
  }
}

export interface RunningWebServer {
  url: string;
  deps: ApiDeps;
}

let running: { server: Server; temporal: Connection; mongo: MongoConnection } | undefined;

/** Starts the API with real Temporal and MongoDB connections; port 0 picks a free port. */
export async function startWebServer(env: Env): Promise<RunningWebServer> {
  if (running) throw new Error('the web server is already running');
  const log = createLogger('api', env.LOG_LEVEL);
  const supportConfig = loadSupportConfig(env.TANDEM_SUPPORT_CONFIG);
  const temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: temporalConnection, namespace: env.TEMPORAL_NAMESPACE });
  const { connection: mongo, models } = await connectDatabase(env.MONGO_URL);

  const health = async (): Promise<HealthReport> => {
    const [temporalHealth, worker, database, llm] = await Promise.all([
      withTimeout(async () => {
        await temporalConnection.healthService.check({});
        return env.TEMPORAL_ADDRESS;
      }),
      // Messages are answered only while a worker polls the conversations queue; each live one
      // says so every few seconds (the server lists a dead poller for minutes).
      withTimeout(async () => {
        const beat = await lastWorkerHeartbeat(models, env.TEMPORAL_TASK_QUEUE);
        const silentMs = beat ? Date.now() - beat.beatAt.getTime() : Infinity;
        if (silentMs > WORKER_SILENT_AFTER_MS) {
          throw new Error(beat ? `no worker on ${env.TEMPORAL_TASK_QUEUE} for ${Math.round(silentMs / 1000)} s` : `no worker ever polled ${env.TEMPORAL_TASK_QUEUE}`);
        }
        return `worker ${beat?.identity} on ${env.TEMPORAL_TASK_QUEUE}, ${Math.round(silentMs / 1000)} s ago`;
      }),
      withTimeout(async () => {
        if (!mongo.db) throw new Error('not connected');
        await mongo.db.admin().ping();
        return 'ping ok';
      }),
      withTimeout(async () => {
        if (!env.OLLAMA_HOST) {
          if (!existsSync(env.TANDEM_MODEL_PATH)) throw new Error(`model file ${env.TANDEM_MODEL_PATH} is missing`);
          return 'embedded model';
        }
        const base = env.OLLAMA_HOST.startsWith('http') ? env.OLLAMA_HOST : `http://${env.OLLAMA_HOST}`;
        const tags = (await (await fetch(`${base}/api/tags`)).json()) as { models?: { name: string }[] };
        const names = (tags.models ?? []).map((m) => m.name);
        if (!names.some((n) => n === env.OLLAMA_MODEL || n.startsWith(`${env.OLLAMA_MODEL}:`))) {
          throw new Error(`model ${env.OLLAMA_MODEL} is not on the Ollama server`);
        }
        return `ollama ${env.OLLAMA_MODEL}`;
      }),
    ]);
    const status = temporalHealth.up && worker.up && database.up && llm.up ? 'up' : 'down';
    return { status, temporal: temporalHealth, worker, database, llm: { ...llm, provider: env.OLLAMA_HOST ? 'ollama' : 'embedded' } };
  };

  const auth = new Auth({
    apiKeys: env.TANDEM_API_KEYS,
    operatorKeys: env.TANDEM_OPERATOR_KEYS,
    tokenSecret: env.TANDEM_TOKEN_SECRET,
    agents: env.TANDEM_AGENTS,
    widgetKeys: env.TANDEM_WIDGET_KEYS,
    widgetOrigins: env.TANDEM_WIDGET_ORIGINS,
    visitorTokenTtlSeconds: env.TANDEM_VISITOR_TOKEN_TTL_SECONDS,
    eventsSecret: env.TANDEM_EVENTS_SECRET,
  });
  const rateLimits = { perConversationPerMinute: env.TANDEM_RATE_LIMIT_PER_MINUTE, perApiKeyPerMinute: env.TANDEM_API_KEY_RATE_LIMIT_PER_MINUTE };
  const deps: ApiDeps = {
    temporal,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    answerWithinMs: env.TANDEM_ANSWER_WITHIN_MS,
    batchTaskQueue: env.TEMPORAL_BATCH_TASK_QUEUE,
    models,
    auth,
    supportConfig,
    log,
    health,
    rateLimits,
  };
  const app = createApp(deps, { demoPage: env.TANDEM_DEMO_PAGE });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
    s.once('error', reject);
  });
  running = { server, temporal: temporalConnection, mongo };
  const { port } = server.address() as AddressInfo;
  const url = `http://${env.HOST}:${port}`;
  log.info({ url }, 'API listening');
  return { url, deps };
}

export async function stopWebServer(): Promise<void> {
  if (!running) return;
  const { server, temporal, mongo } = running;
  running = undefined;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([temporal.close(), mongo.close()]);
}

import { z } from 'zod';
import { supportConfigSchema } from '../config/schema';
import {
  agentTextBody,
  rateBody,
  requestHumanBody,
  resolveBody,
  sendMessageBody,
  startConversationBody,
  transferBody,
  listConversationsQuery,
  listAgentTasksQuery,
  auditUploadBody,
  metricsQuery,
  conversationIdParam,
  taskIdParam,
  listArticlesQuery,
  addArticleBody,
  updateArticleBody,
  trainModelBody,
  retrainBody,
  flagAnswerBody,
  confirmCategoryBody,
  modelIdParam,
  trainingIdParam,
  retrainingIdParam,
  provideEmailBody,
  widgetSessionBody,
  widgetSessionResult,
  messageOutcomeResult,
  pendingMessageResult,
  conversationResult,
  businessEventBody,
  businessEventResult,
  policyVersionParam,
  putPolicyBody,
  whatIfBody,
} from './schemas';

// Generated from the same zod schemas the routes validate with. A test checks that every route the
// app serves is documented here, and only those.

type Security = 'apiKey' | 'widgetKey' | 'conversationToken' | 'agentToken' | 'operatorKey' | 'eventSignature' | 'none';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  /** The credential the route accepts; a list means any one of them. */
  security: Security | Security[];
  body?: z.ZodType;
  query?: z.ZodObject;
  pathParams?: string[];
  /** The body may be left out (every field has a default). */
  bodyOptional?: boolean;
  responses: Record<string, string>;
  produces?: string;
  /** The success body's schema, where a typed client reads it; other JSON bodies are documented as any object. */
  result?: z.ZodType;
  /** Schemas of other success statuses, by status. */
  otherResults?: Record<string, z.ZodType>;
}

const errors = { '400': 'Invalid request', '401': 'Missing or unknown credential, or an expired visitor token: token_expired', '403': 'Credential does not open this resource' };
/** Customer routes are rate-limited per API key or conversation token. */
const limited = { '429': 'Too many requests: rate_limited, with retry-after' };

export const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'State of each dependency', security: 'none', responses: { '200': 'All up', '503': 'A dependency is down' } },
  { method: 'get', path: '/openapi.json', summary: 'This document', security: 'none', responses: { '200': 'OpenAPI 3 document' } },
  { method: 'get', path: '/console', summary: 'The agent console (sign in with an agent token)', security: 'none', produces: 'text/html', responses: { '200': 'HTML page' } },
  { method: 'get', path: '/widget.js', summary: 'The chat widget: one script tag on the business\'s site', security: 'none', produces: 'application/javascript', responses: { '200': 'JavaScript' } },
  { method: 'get', path: '/widget.css', summary: "The chat widget's stylesheet (the widget loads it)", security: 'none', produces: 'text/css', responses: { '200': 'CSS' } },
  { method: 'get', path: '/demo', summary: 'A demo page with the widget, as a business would embed it (TANDEM_DEMO_PAGE=1)', security: 'none', produces: 'text/html', responses: { '200': 'HTML page', '404': 'The demo page is off' } },
  {
    method: 'post', path: '/v1/widget/sessions', summary: "Start or resume a visitor's conversation; returns a short-lived visitor token for the widget", security: ['apiKey', 'widgetKey'],
    body: widgetSessionBody, bodyOptional: true, result: widgetSessionResult,
    responses: { '201': 'The conversation and its visitor token', ...errors, '403': 'Widget key used from an origin not allowed: origin_not_allowed', ...limited },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/email', summary: 'An anonymous visitor leaves an email address for the answer', security: 'conversationToken',
    pathParams: ['conversationId'], body: provideEmailBody, responses: { '200': 'The confirmation message', ...errors, '404': 'No such conversation', '409': 'Conversation closed', ...limited },
  },
  {
    method: 'post', path: '/v1/conversations', summary: 'Start a conversation, optionally with its first message', security: 'apiKey',
    body: startConversationBody, responses: { '201': 'Started; returns the conversation token (and the reply to the first message)', '202': 'Started, but the first message had no reply within the bound (TANDEM_ANSWER_WITHIN_MS): it is durable, its outcome is pending, and the reply comes by SSE, webhook and GET', ...errors, '409': 'Conversation closed', '413': 'Message too long', '422': 'Empty message', ...limited },
  },
  {
    method: 'get', path: '/v1/conversations', summary: 'List and filter conversations', security: 'apiKey',
    query: listConversationsQuery, responses: { '200': 'Conversations, newest first', ...errors, ...limited },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}', summary: 'State and full transcript', security: 'conversationToken',
    pathParams: ['conversationId'], result: conversationResult, responses: { '200': 'The conversation', ...errors, '404': 'No such conversation', ...limited },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/messages', summary: 'Send a customer message; returns the AI reply or the handoff notice', security: 'conversationToken',
    pathParams: ['conversationId'], body: sendMessageBody, result: messageOutcomeResult, otherResults: { '202': pendingMessageResult },
    responses: { '200': 'Outcome of the message', '202': 'No reply within the bound (TANDEM_ANSWER_WITHIN_MS): the message is durable; the reply comes by SSE, webhook and GET', ...errors, '404': 'No such conversation', '409': 'Conversation closed', '413': 'Message too long', '422': 'Empty message', ...limited },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/human', summary: 'Ask for a person', security: 'conversationToken',
    pathParams: ['conversationId'], body: requestHumanBody, result: messageOutcomeResult, responses: { '200': 'Handoff outcome', ...errors, '404': 'No such conversation', '409': 'Conversation closed', ...limited },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/rating', summary: 'Rate the conversation (CSAT 1-5)', security: 'conversationToken',
    pathParams: ['conversationId'], body: rateBody, responses: { '200': 'Rating recorded', ...errors, '404': 'No such conversation', '409': 'Conversation closed, or rated already: already_rated', '422': 'Invalid rating', ...limited },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}/events', summary: 'Server-sent events: every new message', security: 'conversationToken',
    pathParams: ['conversationId'], produces: 'text/event-stream', responses: { '200': 'Event stream; event id = message position', ...errors, '404': 'No such conversation', ...limited },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}/export', summary: 'Everything held about the conversation (right of access)', security: ['conversationToken', 'operatorKey'],
    pathParams: ['conversationId'], responses: { '200': 'Transcript and read models as JSON', ...errors, '404': 'No such conversation', ...limited },
  },
  {
    method: 'delete', path: '/v1/conversations/{conversationId}', summary: 'Erase the conversation: read models and workflow executions (right of erasure)', security: 'operatorKey',
    pathParams: ['conversationId'], responses: { '200': 'Erased; what was deleted, by count', ...errors, '404': 'No such conversation' },
  },
  {
    method: 'get', path: '/v1/agent/tasks', summary: 'Open tasks in my queues and mine: most urgent first, then soonest SLA deadline, with time left', security: 'agentToken',
    query: listAgentTasksQuery, responses: { '200': 'Tasks', ...errors },
  },
  {
    method: 'get', path: '/v1/agent/tasks/{taskId}', summary: 'A human task with the full transcript', security: 'agentToken',
    pathParams: ['taskId'], responses: { '200': 'The task', ...errors, '404': 'No such task in your queues' },
  },
  ...(['claim', 'release'] as const).map((action): Operation => ({
    method: 'post', path: `/v1/agent/tasks/{taskId}/${action}`, summary: `${action[0]?.toUpperCase()}${action.slice(1)} the task`, security: 'agentToken',
    pathParams: ['taskId'], responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Claimed by someone else, resolved, or (claim) you are at capacity: at_capacity' },
  })),
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/reply', summary: 'Reply to the customer', security: 'agentToken',
    pathParams: ['taskId'], body: agentTextBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved', '422': 'Empty text' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/notes', summary: 'Add an internal note', security: 'agentToken',
    pathParams: ['taskId'], body: agentTextBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved', '422': 'Empty text' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/transfer', summary: 'Move the task to another queue, or hand it to another agent', security: 'agentToken',
    pathParams: ['taskId'], body: transferBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved', '422': 'Unknown queue' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/resolve', summary: 'Resolve with a note', security: 'agentToken',
    pathParams: ['taskId'], body: resolveBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved already', '422': 'Unknown confirmed category' },
  },
  {
    method: 'post', path: '/v1/audits', summary: 'Upload tickets (CSV or JSON, up to 5 MB) and start a ticket audit', security: 'operatorKey',
    body: auditUploadBody, responses: { '202': 'Audit started; its id, ticket count and the columns used', ...errors, '413': 'Upload too large', '422': 'No text column, duplicate ticket ids, or no tickets' },
  },
  {
    method: 'get', path: '/v1/audits/{auditId}', summary: 'Audit progress; when done, the Pareto table, automation candidates and human-centric categories', security: 'operatorKey',
    pathParams: ['auditId'], responses: { '200': 'Progress or result', ...errors, '404': 'No such audit' },
  },
  {
    method: 'get', path: '/v1/audits/{auditId}/tickets.csv', summary: 'The categorised tickets: Ticket ID, Date, Category, Confidence, Intent and the upload\'s other columns', security: 'operatorKey',
    pathParams: ['auditId'], produces: 'text/csv', responses: { '200': 'CSV spreadsheet', ...errors, '404': 'No such audit', '409': 'Audit still running' },
  },
  {
    method: 'get', path: '/v1/audits/{auditId}/pareto.png', summary: 'The Pareto chart: tickets per category and cumulative share', security: 'operatorKey',
    pathParams: ['auditId'], produces: 'image/png', responses: { '200': 'PNG image', ...errors, '404': 'No such audit', '409': 'Audit still running' },
  },
  {
    method: 'get', path: '/v1/metrics', summary: 'Support metrics over a time window: containment, escalations, CSAT, SLA, response times, Pareto, feedback, retention, quality of resolution, proactive outreach', security: 'operatorKey',
    query: metricsQuery, responses: { '200': 'Metrics', ...errors },
  },
  {
    method: 'get', path: '/v1/agent/quality', summary: "For team leads: quality of resolution per agent and for the AI, outreach, CSAT and retention (the console's team view)", security: 'agentToken',
    query: metricsQuery, responses: { '200': 'The team figures', ...errors, '403': 'Not a team lead: not_a_team_lead' },
  },
  {
    method: 'post', path: '/v1/events', summary: "An event in the business's systems (order late, payment failed, delivery returned): reach out to the customer once per event id", security: ['operatorKey', 'eventSignature'],
    body: businessEventBody, result: businessEventResult,
    responses: { '200': 'What the event turned into (or, posted again, what it turned into the first time)', ...errors, '409': 'Engagement not configured: engagement_off', '422': 'Event kind not configured: unknown_event_kind' },
  },
  {
    method: 'get', path: '/metrics', summary: 'Prometheus metrics (process and product gauges); needs an operator key', security: 'operatorKey',
    produces: 'text/plain', responses: { '200': 'Prometheus text format', '401': 'Missing or unknown credential' },
  },
  {
    method: 'get', path: '/v1/knowledge', summary: 'Knowledge-base articles, filtered by status and category, most recently changed first', security: 'operatorKey',
    query: listArticlesQuery, responses: { '200': 'Articles', ...errors },
  },
  {
    method: 'get', path: '/v1/knowledge/{articleId}', summary: 'One knowledge-base article', security: 'operatorKey',
    pathParams: ['articleId'], responses: { '200': 'The article', ...errors, '404': 'No such article' },
  },
  {
    method: 'post', path: '/v1/knowledge', summary: 'Add an article (published unless status is draft); the AI answers from it within seconds', security: 'operatorKey',
    body: addArticleBody, responses: { '201': 'The article', ...errors, '409': 'The id is taken', '422': 'Unknown category' },
  },
  {
    method: 'put', path: '/v1/knowledge/{articleId}', summary: "Replace an article's content (its status stays)", security: 'operatorKey',
    pathParams: ['articleId'], body: updateArticleBody, responses: { '200': 'The article', ...errors, '404': 'No such article', '422': 'Unknown category' },
  },
  ...(['retire', 'publish'] as const).map((action): Operation => ({
    method: 'post', path: `/v1/knowledge/{articleId}/${action}`,
    summary: action === 'retire' ? 'Retire the article: the AI stops citing it' : 'Publish the article (a draft proposed from feedback, or a retired one)',
    security: 'operatorKey', pathParams: ['articleId'], responses: { '200': 'The article', ...errors, '404': 'No such article' },
  })),
  {
    method: 'get', path: '/v1/models', summary: 'Model versions with their training figures, and the promoted one (null: the shipped default)', security: 'operatorKey',
    responses: { '200': 'Versions, newest first', ...errors },
  },
  {
    method: 'post', path: '/v1/models/train', summary: 'Train a model version from a labelled CSV (up to 20 MB) or an uploaded dataset, on the batch queue', security: 'operatorKey',
    body: trainModelBody, responses: { '202': 'Training started; its id and the dataset id', ...errors, '404': 'No such dataset', '413': 'Upload too large', '422': 'Missing column or fewer than two labels' },
  },
  {
    method: 'get', path: '/v1/models/training/{trainingId}', summary: 'State of a training; when completed, the model id, labels and figures', security: 'operatorKey',
    pathParams: ['trainingId'], responses: { '200': 'running, completed or failed', ...errors, '404': 'No such training' },
  },
  {
    method: 'post', path: '/v1/models/{modelId}/promote', summary: 'Promote a model version: every worker classifies with it within seconds', security: 'operatorKey',
    pathParams: ['modelId'], responses: { '200': 'Promoted', ...errors, '404': 'No such model version' },
  },
  {
    method: 'post', path: '/v1/models/retrain', summary: 'Run the retraining workflow now (it also runs on its schedule)', security: 'operatorKey',
    body: retrainBody, bodyOptional: true, responses: { '202': 'Started; the retraining id', ...errors },
  },
  {
    method: 'get', path: '/v1/models/retraining', summary: 'Recorded retraining runs with their decision and figures, newest first', security: 'operatorKey',
    responses: { '200': 'Runs', ...errors },
  },
  {
    method: 'get', path: '/v1/models/retraining/{retrainingId}', summary: 'State of a retraining run; when completed, its decision and figures', security: 'operatorKey',
    pathParams: ['retrainingId'], responses: { '200': 'running, completed or failed', ...errors, '404': 'No such run' },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}/decisions', summary: 'Why the AI did what it did with each customer message: model, rules with input, threshold and verdict, retrieval, actions, outcome', security: ['operatorKey', 'agentToken'],
    pathParams: ['conversationId'], responses: { '200': 'The decision record, one entry per customer message', ...errors, '404': 'No such conversation (for an agent: none with a task in their queues)' },
  },
  {
    method: 'post', path: '/v1/policies/what-if', summary: 'Replay a candidate support configuration over recorded conversations: what changes, and the totals before and after', security: 'operatorKey',
    body: whatIfBody, responses: { '200': 'The conversations whose outcome changes, and totals', ...errors, '422': 'The configuration names categories, queues or intents it does not define: invalid_policy' },
  },
  {
    method: 'put', path: '/v1/policies', summary: 'Store a configuration as a new policy version, with its what-if attached, and activate it for new conversations', security: 'operatorKey',
    body: putPolicyBody, responses: { '201': 'The version number and its what-if summary', ...errors, '422': 'The configuration does not hold together: invalid_policy' },
  },
  {
    method: 'get', path: '/v1/policies', summary: 'Policy versions (newest first), the active one (null: the configuration file) and the change log', security: 'operatorKey',
    responses: { '200': 'Versions and changes', ...errors },
  },
  {
    method: 'get', path: '/v1/policies/{version}', summary: 'One policy version with its configuration', security: 'operatorKey',
    pathParams: ['version'], responses: { '200': 'The version', ...errors, '404': 'No such version' },
  },
  {
    method: 'post', path: '/v1/policies/{version}/activate', summary: 'Activate an earlier policy version again (roll back); running conversations keep theirs', security: 'operatorKey',
    pathParams: ['version'], responses: { '200': 'Activated', ...errors, '404': 'No such version' },
  },
  {
    method: 'post', path: '/v1/feedback', summary: "Flag an AI answer, optionally with a corrected answer (a knowledge-base draft at the next retraining)", security: 'agentToken',
    body: flagAnswerBody, responses: { '201': 'Recorded, with the model version that produced the answer', ...errors, '404': 'No such AI answer' },
  },
  {
    method: 'post', path: '/v1/feedback/category', summary: 'Confirm the category of a customer message (a training example at the next retraining)', security: 'agentToken',
    body: confirmCategoryBody, responses: { '201': 'Recorded, with the training label', ...errors, '404': 'No such customer message', '422': 'Unknown category, or an intent of another category' },
  },
];

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

/** Path parameters are ids: the document gives their pattern so clients (and fuzzers) know it. */
const PATH_PARAM_SCHEMAS: Record<string, z.ZodType> = {
  taskId: taskIdParam.shape.taskId,
  modelId: modelIdParam.shape.modelId,
  trainingId: trainingIdParam.shape.trainingId,
  retrainingId: retrainingIdParam.shape.retrainingId,
  version: policyVersionParam.shape.version,
};
const ANY_ID = conversationIdParam.shape.conversationId;

/** Every route with a body can be refused for its size or its media type before it is parsed. */
const bodyErrors = { '413': 'Body (or a text in it) too large: body_too_large, message_too_long', '415': 'Body is not application/json' };

/** HTTP methods the app answers for a documented path, for 405 responses and their Allow header. */
export function documentedMethods(path: string): string[] | undefined {
  const methods = operations
    .filter((op) => new RegExp(`^${op.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
    .map((op) => op.method.toUpperCase());
  return methods.length > 0 ? methods : undefined;
}

/** Schemas several bodies hold, documented once as components (and so typed once in client/). */
const SHARED_SCHEMAS = z.registry<{ id: string }>().add(supportConfigSchema, { id: 'SupportConfig' });

/** A request body's JSON Schema, with the shared schemas in it moved to `components`. */
function bodySchema(body: z.ZodType, components: Record<string, unknown>): unknown {
  const { $defs, ...schema } = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any', metadata: SHARED_SCHEMAS });
  Object.assign(components, $defs);
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, unknown> = {};
  for (const op of operations) {
    const parameters = [
      ...(op.pathParams ?? []).map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: z.toJSONSchema(PATH_PARAM_SCHEMAS[name] ?? ANY_ID, { io: 'input' }),
      })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries({ ...(op.body ? bodyErrors : {}), ...op.responses })) {
      const ok = status.startsWith('2');
      const result = op.otherResults?.[status] ?? op.result;
      responses[status] = {
        description,
        content: ok
          ? { [op.produces ?? 'application/json']: { schema: op.produces ? { type: 'string' } : result ? z.toJSONSchema(result, { io: 'output' }) : {} } }
          : { 'application/json': { schema: errorSchema } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: [op.security].flat().filter((s) => s !== 'none').map((s) => ({ [s]: [] })),
      parameters,
      ...(op.body
        ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: bodySchema(op.body, components) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tandem API', version: '0.1.0', description: 'Customer support by AI and humans in tandem.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: "The business's API key (TANDEM_API_KEYS)" },
        widgetKey: { type: 'http', scheme: 'bearer', description: 'A public widget key (TANDEM_WIDGET_KEYS), from an allowed origin (TANDEM_WIDGET_ORIGINS)' },
        conversationToken: { type: 'http', scheme: 'bearer', description: 'The token returned when the conversation started, or a visitor token (until it expires)' },
        agentToken: { type: 'http', scheme: 'bearer', description: "An agent's token (TANDEM_AGENTS)" },
        operatorKey: { type: 'http', scheme: 'bearer', description: 'An operator key (TANDEM_OPERATOR_KEYS)' },
        eventSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'x-tandem-signature',
          description: "The business's systems sign: v1=<hex HMAC-SHA256 with TANDEM_EVENTS_SECRET over timestamp, method, path and body, each on its own line>, with the timestamp (epoch ms, within 5 minutes) in x-tandem-timestamp",
        },
      },
      schemas: components,
    },
    paths,
  };
}

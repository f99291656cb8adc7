import { z } from 'zod';
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
} from './schemas';

// Generated from the same zod schemas the routes validate with. A test checks that every route the
// app serves is documented here, and only those.

type Security = 'apiKey' | 'conversationToken' | 'agentToken' | 'none';

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  security: Security;
  body?: z.ZodType;
  query?: z.ZodObject;
  pathParams?: string[];
  responses: Record<string, string>;
  produces?: string;
}

const errors = { '400': 'Invalid request', '401': 'Missing or unknown credential', '403': 'Credential does not open this resource' };

export const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'State of each dependency', security: 'none', responses: { '200': 'All up', '503': 'A dependency is down' } },
  { method: 'get', path: '/openapi.json', summary: 'This document', security: 'none', responses: { '200': 'OpenAPI 3 document' } },
  { method: 'get', path: '/console', summary: 'The agent console (sign in with an agent token)', security: 'none', produces: 'text/html', responses: { '200': 'HTML page' } },
  {
    method: 'post', path: '/v1/conversations', summary: 'Start a conversation, optionally with its first message', security: 'apiKey',
    body: startConversationBody, responses: { '201': 'Started; returns the conversation token (and the reply to the first message)', ...errors, '409': 'Conversation closed', '413': 'Message too long', '422': 'Empty message' },
  },
  {
    method: 'get', path: '/v1/conversations', summary: 'List and filter conversations', security: 'apiKey',
    query: listConversationsQuery, responses: { '200': 'Conversations, newest first', ...errors },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}', summary: 'State and full transcript', security: 'conversationToken',
    pathParams: ['conversationId'], responses: { '200': 'The conversation', ...errors, '404': 'No such conversation' },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/messages', summary: 'Send a customer message; returns the AI reply or the handoff notice', security: 'conversationToken',
    pathParams: ['conversationId'], body: sendMessageBody,
    responses: { '200': 'Outcome of the message', ...errors, '404': 'No such conversation', '409': 'Conversation closed', '413': 'Message too long', '422': 'Empty message' },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/human', summary: 'Ask for a person', security: 'conversationToken',
    pathParams: ['conversationId'], body: requestHumanBody, responses: { '200': 'Handoff outcome', ...errors, '404': 'No such conversation', '409': 'Conversation closed' },
  },
  {
    method: 'post', path: '/v1/conversations/{conversationId}/rating', summary: 'Rate the conversation (CSAT 1-5)', security: 'conversationToken',
    pathParams: ['conversationId'], body: rateBody, responses: { '200': 'Rating recorded', ...errors, '404': 'No such conversation', '409': 'Conversation closed', '422': 'Invalid rating' },
  },
  {
    method: 'get', path: '/v1/conversations/{conversationId}/events', summary: 'Server-sent events: every new message', security: 'conversationToken',
    pathParams: ['conversationId'], produces: 'text/event-stream', responses: { '200': 'Event stream; event id = message position', ...errors, '404': 'No such conversation' },
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
    pathParams: ['taskId'], body: agentTextBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/notes', summary: 'Add an internal note', security: 'agentToken',
    pathParams: ['taskId'], body: agentTextBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/transfer', summary: 'Move the task to another queue, or hand it to another agent', security: 'agentToken',
    pathParams: ['taskId'], body: transferBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved', '422': 'Unknown queue' },
  },
  {
    method: 'post', path: '/v1/agent/tasks/{taskId}/resolve', summary: 'Resolve with a note', security: 'agentToken',
    pathParams: ['taskId'], body: resolveBody, responses: { '200': 'The task', ...errors, '404': 'No such task in your queues', '409': 'Resolved already' },
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

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...(op.pathParams ?? []).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema: z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }),
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(op.responses)) {
      const ok = status.startsWith('2');
      responses[status] = {
        description,
        content: ok
          ? { [op.produces ?? 'application/json']: { schema: op.produces ? { type: 'string' } : {} } }
          : { 'application/json': { schema: errorSchema } },
      };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: op.security === 'none' ? [] : [{ [op.security]: [] }],
      parameters,
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) } } } }
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
        conversationToken: { type: 'http', scheme: 'bearer', description: 'The token returned when the conversation started' },
        agentToken: { type: 'http', scheme: 'bearer', description: "An agent's token (TANDEM_AGENTS)" },
      },
    },
    paths,
  };
}

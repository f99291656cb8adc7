import { z } from 'zod';
import { MAX_MESSAGE_LENGTH } from '../domain/conversation';

// One schema per request body and query; the OpenAPI document is generated from these same
// schemas, so validation and documentation cannot drift apart.

const id = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only, at most 100');
const messageText = z.string().max(MAX_MESSAGE_LENGTH * 2); // the workflow enforces the real limit with its own code

export const customerProfileSchema = z
  .object({
    id,
    name: z.string().min(1).max(200),
    email: z.email().max(320),
    tier: z.string().max(50).optional(),
    plan: z.string().max(100).optional(),
    lifetimeValue: z.number().nonnegative().max(1e12).optional(),
  })
  .strict();

export const startConversationBody = z
  .object({
    conversationId: id.optional(),
    customer: customerProfileSchema,
    /** An https (or loopback http) URL that receives every new message for the customer. */
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    firstMessage: z.object({ messageId: id, text: messageText }).strict().optional(),
  })
  .strict();

export const sendMessageBody = z.object({ messageId: id, text: messageText }).strict();

export const requestHumanBody = z.object({ requestId: id, note: messageText.optional() }).strict();

export const rateBody = z.object({ score: z.number().int().min(1).max(5), comment: z.string().max(2000).optional() }).strict();

export const listConversationsQuery = z
  .object({
    status: z.enum(['ai', 'handoff', 'closed']).optional(),
    category: z.string().max(64).optional(),
    escalationReason: z.string().max(64).optional(),
    customerId: id.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.iso.datetime().optional(),
  })
  .strict();

export const conversationIdParam = z.object({ conversationId: id });

export const claimBody = z.object({}).strict();
export const agentTextBody = z.object({ actionId: id, text: messageText }).strict();
/** To a queue (unclaimed there) or straight to another agent. */
export const transferBody = z.union([
  z.object({ queue: z.string().min(1).max(64) }).strict(),
  z.object({ agentId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }).strict(),
]);
export const listAgentTasksQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export const resolveBody = z.object({ note: z.string().max(4000).optional() }).strict();
export const taskIdParam = z.object({ taskId: z.string().regex(/^handoff-[A-Za-z0-9_-]{1,100}-\d{1,6}$/) });

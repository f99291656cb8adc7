import { WithStartWorkflowOperation } from '@temporalio/client';
import { engagementRulesOf, validateBusinessEvent, type BusinessEvent } from '../domain/engagement';
import { engagementWorkflowId } from '../domain/ids';
import type { CustomerProfile } from '../domain/types';
import { engagementWorkflow } from '../workflows/engagement';
import {
  CustomerIdAttr,
  businessEventUpdate,
  engagementMomentSignal,
  type BusinessEventOutcome,
  type EngagementInput,
} from '../workflows/definitions';
import type { AppContext } from './context';

// Proactive engagement: each customer has one engagement workflow, started by the first thing that
// concerns them (a conversation, a business event) and joined by every later one.

function engagementStart(ctx: AppContext, customerId: string) {
  const input: EngagementInput = { customerId, config: ctx.supportConfig };
  return {
    workflowId: engagementWorkflowId(customerId),
    taskQueue: ctx.taskQueue,
    args: [input] as [EngagementInput],
    typedSearchAttributes: [{ key: CustomerIdAttr, value: customerId }],
    staticSummary: `Proactive engagement with customer ${customerId}`,
  };
}

/**
 * Tells the customer's engagement workflow (starting it if needed) that a conversation began, before
 * the conversation's first moment can reach it. Nothing when engagement is not configured.
 */
export async function noteConversationStarted(
  ctx: AppContext,
  started: { conversationId: string; customer: CustomerProfile; webhookUrl?: string },
): Promise<void> {
  if (!engagementRulesOf(ctx.supportConfig)) return;
  await ctx.temporal.workflow.signalWithStart(engagementWorkflow, {
    ...engagementStart(ctx, started.customer.id),
    signal: engagementMomentSignal,
    signalArgs: [{ kind: 'started', ...started, at: new Date().toISOString() }],
  });
}

/**
 * An event in the business's systems (an order late, a payment failed): matched to the customer's
 * open conversation, or a new one, and applied once per event id, however often it is posted.
 */
export async function postBusinessEvent(ctx: AppContext, event: BusinessEvent): Promise<BusinessEventOutcome> {
  // Refused here with its code before anything starts; the workflow's validator checks again.
  validateBusinessEvent(ctx.supportConfig, event);
  // No Update id from the event id: the workflow itself remembers event ids (across continue-as-new
  // too), so every repost is answered alike, as a duplicate with the first outcome.
  return ctx.temporal.workflow.executeUpdateWithStart(businessEventUpdate, {
    args: [event],
    startWorkflowOperation: new WithStartWorkflowOperation(engagementWorkflow, {
      ...engagementStart(ctx, event.customerId),
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}

import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { Engagement, FORGET_AFTER_MS, engagementRulesOf, validateBusinessEvent, type OutreachPlan, type OutreachRecord, type Signal } from '../domain/engagement';
import { businessEventSignalId, conversationWorkflowId, outreachConversationId, outreachNoteId } from '../domain/ids';
import { conversationWorkflow } from './conversation';
import {
  ConversationStatusAttr,
  CustomerIdAttr,
  EngagementSignalAttr,
  agentMessageSignal,
  businessEventUpdate,
  engagementMomentSignal,
  engagementQuery,
  proactiveMessageSignal,
  type BusinessEventOutcome,
  type EngagementInput,
} from './definitions';
import { ownDatabaseWrite } from './activity-options';
import { handoffWorkflow } from './handoff';
import { rejectIfRuleBroken } from './rejections';
import { searchAttributesWhenChanged } from './search-attributes';
import { Serial } from './serial';

const { recordOutreach } = proxyActivities<Activities>({ summary: 'Record the outreach for the quality figures', ...ownDatabaseWrite });

/** Moments and events one run takes before continuing as new, so its history stays small. */
const EVENTS_PER_RUN = 500;
/** The author of the internal line an outreach task leaves in the conversation for the agent. */
const OUTREACH_AUTHOR = 'outreach';

/**
 * One customer's proactive engagement: the durable timers of quiet spells after doubtful AI
 * answers, business events applied exactly once, repeat contacts and low ratings, the weekly cap;
 * each signal becomes an outreach task in the outreach queue or a proactive AI message, as the
 * configuration says. Conversations tell it their moments by signal; it lives while there is
 * something to watch and continues as new to stay bounded.
 */
export async function engagementWorkflow(input: EngagementInput): Promise<void> {
  const { config } = input;
  const rules = engagementRulesOf(config);
  if (!rules) return;
  const now = (): string => new Date().toISOString();
  const engagement = input.carriedState
    ? new Engagement(input.carriedState, config, rules)
    : Engagement.begin(input.customerId, config, rules, now());
  const outreach = new Serial();
  const records = new Serial();
  let changes = 0;
  let eventsThisRun = 0;
  const upsertAttributes = searchAttributesWhenChanged('engagement-search-attributes-on-change');

  const changed = (): void => {
    changes += 1;
    upsertAttributes([{ key: EngagementSignalAttr, value: engagement.signalKinds }]);
    setCurrentDetails(engagement.statusLine(Date.now()));
  };

  /** A new conversation for an outreach when the customer has none open. */
  const openConversation = async (plan: OutreachPlan): Promise<string> => {
    const conversationId = outreachConversationId(plan.signal.signalId);
    const customer = engagement.customer;
    await startOnce(() => startChild(conversationWorkflow, {
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId, customer, config, webhookUrl: engagement.webhookUrl }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: CustomerIdAttr, value: customer.id },
        { key: ConversationStatusAttr, value: 'ai' },
      ],
      staticSummary: `Conversation opened to reach out to customer ${customer.id}: ${plan.signal.kind}`,
    }));
    engagement.opened(conversationId, now());
    return conversationId;
  };

  /**
   * Tells the conversation (an internal line for the agent, or the AI's message); a conversation
   * that ended since the customer last wrote cannot take it, and a new one is opened instead.
   */
  const deliver = async (plan: OutreachPlan, send: (conversationId: string) => Promise<void>): Promise<string> => {
    if (!plan.opensConversation) {
      try {
        await send(plan.conversationId);
        return plan.conversationId;
      } catch {
        // Ended since we last heard of it: reach the customer in a new conversation.
      }
    }
    const conversationId = await openConversation(plan);
    await send(conversationId);
    return conversationId;
  };

  const reachOut = async (signal: Signal): Promise<OutreachRecord> => {
    const earlier = engagement.handled(signal.signalId);
    if (earlier) return earlier;
    const plan = engagement.plan(signal);
    changed();
    if (plan.outcome === 'ai_message') {
      const conversationId = await deliver(plan, (id) =>
        getExternalWorkflowHandle(conversationWorkflowId(id)).signal(proactiveMessageSignal, { signalId: signal.signalId, text: plan.message }),
      );
      engagement.deliveredTo(signal.signalId, conversationId);
    } else if (plan.outcome === 'outreach_task') {
      const note = { id: outreachNoteId(signal.signalId), agentId: OUTREACH_AUTHOR, text: `Outreach task ${plan.taskId}: ${signal.reason}`, internal: true };
      const conversationId = await deliver(plan, (id) => getExternalWorkflowHandle(conversationWorkflowId(id)).signal(agentMessageSignal, note));
      engagement.deliveredTo(signal.signalId, conversationId);
      await startOnce(() => startChild(handoffWorkflow, {
        workflowId: plan.taskId,
        args: [
          {
            taskId: plan.taskId,
            conversationId,
            customer: engagement.customer,
            reasons: [{ code: `outreach:${signal.kind}`, detail: signal.reason }],
            queue: rules.outreachQueue,
            priority: 'normal',
            summary: plan.summary,
            config,
          },
        ],
        // The task outlives this run when the engagement continues as new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Outreach to customer ${engagement.customer.id}: ${signal.kind}`,
      }));
    }
    const record = { ...plan.record };
    void records.run(() => recordOutreach({ customerId: input.customerId, record }));
    setCurrentDetails(engagement.statusLine(Date.now()));
    return record;
  };

  setHandler(engagementMomentSignal, (moment) => {
    eventsThisRun += 1;
    const signals = engagement.note(moment);
    changed();
    for (const signal of signals) void outreach.run(() => reachOut(signal));
  });

  setHandler(
    businessEventUpdate,
    (event) =>
      outreach.run(async (): Promise<BusinessEventOutcome> => {
        eventsThisRun += 1;
        const signal = engagement.businessEvent(event, now());
        const signalId = businessEventSignalId(event.eventId);
        const record = signal ? await reachOut(signal) : engagement.handled(signalId);
        const { outcome, conversationId, taskId } = record ?? { outcome: 'none' as const };
        return { eventId: event.eventId, signalId, duplicate: !signal, outcome, conversationId, taskId };
      }),
    { validator: (event) => rejectIfRuleBroken(() => validateBusinessEvent(config, event)) },
  );

  setHandler(engagementQuery, () => engagement.snapshot);

  changed();
  for (;;) {
    const seen = changes;
    const next = engagement.nextDueAt;
    await condition(
      () => changes !== seen || eventsThisRun >= EVENTS_PER_RUN,
      next === undefined ? FORGET_AFTER_MS : Math.max(1, next - Date.now()),
    );
    for (const signal of engagement.due(Date.now())) void outreach.run(() => reachOut(signal));
    if (eventsThisRun < EVENTS_PER_RUN && !engagement.idleSince(Date.now())) continue;
    await outreach.idle();
    await records.idle();
    // Last await before ending or moving on: no handler may start between it and the return.
    await condition(() => allHandlersFinished() && outreach.isIdle && records.isIdle);
    if (engagement.idleSince(Date.now())) return;
    return continueAsNew<typeof engagementWorkflow>({ ...input, carriedState: engagement.snapshot });
  }
}

/**
 * Starts a child that outlives this workflow; one already running under its id (the same signal
 * acted on by an earlier engagement run that has since ended) is the outreach already made.
 */
async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

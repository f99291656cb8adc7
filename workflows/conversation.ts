import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  getExternalWorkflowHandle,
  patched,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { Conversation, csatRulesOf, customerLine, type Decision, type MessageOutcome } from '../domain/conversation';
import { aiReplyId, handoffNoticeId, holdingReplyId } from '../domain/ids';
import { rejectIfRuleBroken } from './rejections';
import { summarizeForHandoff } from '../domain/handoff';
import type { EscalationReason, TranscriptMessage } from '../domain/types';
import type { ActionCall, ActionResult } from '../domain/actions';
import {
  CategoryAttr,
  ConversationStatusAttr,
  EscalationReasonAttr,
  PriorityAttr,
  SkillQueueAttr,
  agentMessageSignal,
  closeConversationUpdate,
  conversationQuery,
  customerWroteSignal,
  handoffResolvedSignal,
  messagesAfterQuery,
  provideEmailUpdate,
  rateConversationUpdate,
  requestHumanUpdate,
  sendMessageUpdate,
  type ConversationInput,
} from './definitions';
import { handoffWorkflow } from './handoff';
import { searchAttributesWhenChanged } from './search-attributes';
import { Serial } from './serial';

// One proxy per activity, each with a summary, so the Temporal UI reads like the conversation.
// A model server's calls are ordinary activities: heartbeats, cancellation, their own retries.
const modelServer = {
  classifyMessage: proxyActivities<Activities>({
    summary: 'Classify the customer message',
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 3, initialInterval: '200 milliseconds' },
  }).classifyMessage,
  answerQuestion: proxyActivities<Activities>({
    summary: 'Answer from the knowledge base',
    startToCloseTimeout: '60 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 3, initialInterval: '200 milliseconds' },
  }).answerQuestion,
  summarizeHandoff: proxyActivities<Activities>({
    summary: 'Summarize for the agent',
    startToCloseTimeout: '60 seconds',
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
  }).summarizeHandoff,
};
// The embedded model answers in a millisecond: as local activities its calls run inside the
// workflow task, saving two task-queue round trips per message.
const inProcessModel = {
  classifyMessage: proxyLocalActivities<Activities>({
    summary: 'Classify the customer message',
    startToCloseTimeout: '5 seconds',
    retry: { maximumAttempts: 3, initialInterval: '50 milliseconds' },
  }).classifyMessage,
  answerQuestion: proxyLocalActivities<Activities>({
    summary: 'Answer from the knowledge base',
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 3, initialInterval: '50 milliseconds' },
  }).answerQuestion,
  summarizeHandoff: proxyLocalActivities<Activities>({
    summary: 'Summarize for the agent',
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 2, initialInterval: '50 milliseconds' },
  }).summarizeHandoff,
};
const { modelPlacement } = proxyLocalActivities<Activities>({
  summary: 'Ask the worker how it runs the model',
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '50 milliseconds' },
});
// Read models and webhooks must eventually happen, however long the database or receiver is away.
const { projectConversation } = proxyActivities<Activities>({
  summary: 'Update the conversation read model',
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});
const { notifyWebhook } = proxyActivities<Activities>({
  summary: 'Notify the customer webhook',
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function conversationWorkflow(input: ConversationInput): Promise<{ status: string; messages: number }> {
  const { config } = input;
  // The worker says how it runs the model; conversations started before it did carry the API's choice.
  let modelSteps: typeof inProcessModel | undefined;
  const model = async (): Promise<typeof inProcessModel> => {
    if (modelSteps) return modelSteps;
    const placement = patched('worker-places-model') ? await modelPlacement() : (input.modelActivities ?? 'remote');
    modelSteps = placement === 'local' ? inProcessModel : modelServer;
    return modelSteps;
  };
  const now = (): string => new Date().toISOString();
  const conversation = input.carriedState
    ? new Conversation(input.carriedState, config)
    : Conversation.open({ id: input.conversationId, customer: input.customer, config, at: now(), webhookUrl: input.webhookUrl });

  const serial = new Serial();
  const background = new Serial();
  let version = input.carriedState ? (input.carriedVersion ?? 0) : 0;
  let projectedCount = input.carriedState ? conversation.snapshot.transcript.length : 0;
  let customerMessagesThisRun = 0;
  let lastActivity = 0;
  let lastActivityAt = Date.now();
  const upsertAttributes = searchAttributesWhenChanged('search-attributes-on-change');

  /** Writes the read model and tells the webhook, in order, without delaying the customer's reply. */
  const publish = (): void => {
    version += 1;
    lastActivity += 1;
    lastActivityAt = Date.now();
    const state = conversation.snapshot;
    const fresh = state.transcript.slice(projectedCount).map((message, i) => ({ seq: projectedCount + i, message }));
    projectedCount = state.transcript.length;
    const handoff = state.handoffs.at(-1);
    const reasons = [...new Set(state.handoffs.flatMap((h) => h.reasons.map((r) => r.code)))];
    const projection = {
      conversationId: state.id,
      version,
      customer: state.customer,
      status: state.status,
      category: conversation.latestCategory,
      escalationReasons: reasons,
      queue: handoff?.queue,
      priority: handoff?.priority,
      handoffTaskIds: state.handoffs.map((h) => h.taskId),
      rating: state.rating,
      createdAt: state.createdAt,
      updatedAt: now(),
      messageCount: state.transcript.length,
      messages: fresh,
    };
    const outward = fresh.map((f) => f.message).filter((m) => m.role !== 'customer' && !m.internal);
    void background.run(async () => {
      await projectConversation(projection);
      if (state.webhookUrl) {
        for (const message of outward) {
          await notifyWebhook({ url: state.webhookUrl, event: { conversationId: state.id, message } });
        }
      }
    });

    const attributes = [
      { key: ConversationStatusAttr, value: state.status },
      ...(projection.category ? [{ key: CategoryAttr, value: projection.category }] : []),
      ...(reasons.length ? [{ key: EscalationReasonAttr, value: reasons }] : []),
      ...(handoff ? [{ key: PriorityAttr, value: handoff.priority }, { key: SkillQueueAttr, value: handoff.queue }] : []),
    ];
    upsertAttributes(attributes);
    setCurrentDetails(statusLine(conversation));
  };

  const handOff = async (reasons: EscalationReason[], inReplyTo: string): Promise<MessageOutcome> => {
    const state = conversation.snapshot;
    const route = conversation.route(reasons);
    let summary;
    try {
      summary = await (await model()).summarizeHandoff({ transcript: state.transcript, customer: state.customer, reasons, config });
    } catch {
      // The agent still needs a summary when the model is down: the deterministic one will do.
      summary = summarizeForHandoff({ transcript: state.transcript, customer: state.customer, reasons, config });
    }
    const { handoff, notice } = conversation.handOff(
      { reasons, queue: route.queue, priority: route.priority, summary, at: now() },
      inReplyTo,
      // Visitors may now come without an email: off hours, ask for one so the answer can reach them.
      conversation.handoffNotice(route.priority, now(), reasons, { askForEmail: patched('ask-anonymous-visitor-email') }),
    );
    await startChild(handoffWorkflow, {
      workflowId: handoff.taskId,
      args: [
        {
          taskId: handoff.taskId,
          conversationId: state.id,
          customer: state.customer,
          reasons,
          queue: route.queue,
          priority: route.priority,
          summary,
          config,
        },
      ],
      // The task outlives this run when the conversation continues as new.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Human task for conversation ${state.id}: ${reasons.map((r) => r.code).join(', ')}`,
    });
    return {
      conversationId: state.id,
      messageId: inReplyTo,
      status: conversation.status,
      reply: notice,
      handoff: { taskId: handoff.taskId, reasons, queue: route.queue, priority: route.priority },
    };
  };

  const forwardToAgent = async (message: TranscriptMessage): Promise<void> => {
    const task = conversation.currentHandoff;
    if (task) await getExternalWorkflowHandle(task.taskId).signal(customerWroteSignal, { messageId: message.id, at: message.at });
  };

  /** A retried message (for example after continue-as-new) gets the outcome it got the first time. */
  const previousOutcome = (messageId: string): MessageOutcome => {
    const state = conversation.snapshot;
    const replyIds = [aiReplyId(messageId), handoffNoticeId(messageId), holdingReplyId(messageId)];
    const reply = state.transcript.find((m) => replyIds.includes(m.id));
    const actions = conversation.actionsFor(messageId);
    return { conversationId: state.id, messageId, status: conversation.status, reply, ...(actions.length > 0 ? { actions } : {}) };
  };

  /**
   * Runs one action against the business's systems as its own activity, named for operators
   * ("Look up order 1001"), with the action's timeout and retries and the call's idempotency key;
   * records the result for the agent, then answers from it, or apologises and hands over.
   */
  const runAction = async (call: ActionCall, messageId: string): Promise<MessageOutcome> => {
    const action = (config.actions ?? []).find((candidate) => candidate.name === call.name);
    let result: ActionResult;
    if (!action) {
      result = { ok: false, reason: `${call.name} is no longer configured` };
    } else {
      try {
        const { runAction: run } = proxyActivities<Activities>({
          summary: call.summary,
          startToCloseTimeout: action.timeoutMs,
          retry: { maximumAttempts: action.attempts, initialInterval: '200 milliseconds', backoffCoefficient: 2 },
        });
        const { name, request, responseFields, timeoutMs } = action;
        result = await run({ action: { name, request, responseFields, timeoutMs }, facts: call.facts, idempotencyKey: call.idempotencyKey });
      } catch (err) {
        result = { ok: false, reason: failureDetail(err) };
      }
    }
    const answer = conversation.recordAction(messageId, call, result, now());
    const actions = [{ name: call.name, ok: result.ok }];
    if (answer === undefined) {
      const detail = result.ok ? undefined : result.reason;
      return { ...(await handOff([{ code: 'action_failed', detail }], messageId)), actions };
    }
    const reply = conversation.addAiAnswer(messageId, { text: answer, citations: [] }, now());
    return { conversationId: input.conversationId, messageId, status: conversation.status, reply, actions };
  };

  /**
   * Understands the message (intent, grounding article, language: one in-process step), lets the
   * domain decide, then answers from the grounded article, replies, or hands over.
   */
  const understandAndAct = async (messageId: string, text: string): Promise<MessageOutcome> => {
    let decision: Decision;
    try {
      const classification = await (await model()).classifyMessage({ text, previous: conversation.followUpContext(messageId), config });
      // Conversations from before actions replay without them; a configuration without any has none.
      const actions = patched('business-actions') ? (config.actions ?? []) : [];
      decision = conversation.decide(messageId, classification, actions);
    } catch (err) {
      decision = { kind: 'handoff', reasons: [{ code: 'llm_failure', detail: failureDetail(err) }] };
    }
    if (decision.kind === 'handoff') return handOff(decision.reasons, messageId);
    if (decision.kind === 'action') return runAction(decision.call, messageId);
    if (decision.kind === 'reply') {
      const reply = conversation.addAiAnswer(messageId, { text: decision.text, citations: [] }, now());
      if (decision.closes) conversation.closeResolvedByAi();
      return { conversationId: input.conversationId, messageId, status: conversation.status, reply };
    }
    const classification = conversation.snapshot.transcript.find((m) => m.id === messageId)?.classification;
    if (!classification) throw new Error('classified message lost its classification');
    try {
      const answer = await (await model()).answerQuestion({
        question: text,
        classification,
        transcript: conversation.snapshot.transcript,
        customer: conversation.snapshot.customer,
        config,
      });
      const reply = conversation.addAiAnswer(messageId, answer, now());
      return { conversationId: input.conversationId, messageId, status: conversation.status, reply };
    } catch (err) {
      return handOff([{ code: 'llm_failure', detail: failureDetail(err) }], messageId);
    }
  };

  const receive = async (messageId: string, text: string): Promise<MessageOutcome> => {
    if (conversation.hasMessage(messageId)) return previousOutcome(messageId);
    const message = conversation.addCustomerMessage(messageId, text, now());
    customerMessagesThisRun += 1;
    try {
      if (!conversation.aiMayAnswer) {
        await forwardToAgent(message);
        const holding = conversation.addHoldingReply(messageId, now());
        return { conversationId: input.conversationId, messageId, status: conversation.status, reply: holding };
      }
      // Histories from before grounded answers replay the classify-then-answer path they ran.
      if (patched('understand-and-ground')) return await understandAndAct(messageId, text);
      let reasons: EscalationReason[];
      try {
        const classification = await (await model()).classifyMessage({ text, config });
        reasons = conversation.classify(messageId, classification);
      } catch (err) {
        reasons = [{ code: 'llm_failure', detail: failureDetail(err) }];
      }
      if (reasons.length > 0) return await handOff(reasons, messageId);

      const classification = message.classification;
      if (!classification) throw new Error('classified message lost its classification');
      try {
        const answer = await (await model()).answerQuestion({
          question: text,
          classification,
          transcript: conversation.snapshot.transcript,
          customer: conversation.snapshot.customer,
          config,
        });
        const reply = conversation.addAiAnswer(messageId, answer, now());
        return { conversationId: input.conversationId, messageId, status: conversation.status, reply };
      } catch (err) {
        return await handOff([{ code: 'llm_failure', detail: failureDetail(err) }], messageId);
      }
    } finally {
      publish();
    }
  };

  setHandler(
    sendMessageUpdate,
    ({ messageId, text }) => serial.run(() => receive(messageId, text)),
    {
      validator: ({ messageId, text }) =>
        rejectIfRuleBroken(() => conversation.validateCustomerMessage(messageId, text)),
    },
  );

  setHandler(
    requestHumanUpdate,
    ({ requestId, note }) =>
      serial.run(async () => {
        const current = conversation.currentHandoff;
        if (current) {
          return {
            conversationId: input.conversationId,
            messageId: requestId,
            status: conversation.status,
            handoff: { taskId: current.taskId, reasons: current.reasons, queue: current.queue, priority: current.priority },
          };
        }
        if (note) conversation.addCustomerMessage(requestId, note, now());
        try {
          return await handOff([{ code: 'customer_request' }], requestId);
        } finally {
          publish();
        }
      }),
    { validator: (_request) => rejectIfRuleBroken(() => conversation.validateOpen()) },
  );

  setHandler(
    rateConversationUpdate,
    ({ score, comment }) =>
      serial.run(async () => {
        const rating = conversation.rate(score, comment, now());
        publish();
        return rating;
      }),
    { validator: ({ score }) => rejectIfRuleBroken(() => conversation.validateRating(score)) },
  );

  setHandler(
    provideEmailUpdate,
    ({ requestId, email }) =>
      serial.run(async () => {
        const notice = conversation.provideEmail(requestId, email, now());
        publish();
        return notice;
      }),
    { validator: (_request) => rejectIfRuleBroken(() => conversation.validateOpen()) },
  );

  setHandler(closeConversationUpdate, () =>
    serial.run(async () => {
      conversation.close();
      publish();
    }),
  );

  setHandler(agentMessageSignal, (agentMessage) =>
    serial.run(async () => {
      if (conversation.hasMessage(agentMessage.id)) return;
      conversation.addAgentMessage({ ...agentMessage, at: now() });
      publish();
    }),
  );

  setHandler(handoffResolvedSignal, ({ taskId, agentId, note, closingMessage }) =>
    serial.run(async () => {
      if (conversation.currentHandoff?.taskId !== taskId) return;
      conversation.resolveHandoff(now(), { agentId, note, closingMessage });
      publish();
    }),
  );

  setHandler(conversationQuery, () => conversation.view());
  setHandler(messagesAfterQuery, (count) => {
    const transcript = conversation.snapshot.transcript.filter((m) => !m.internal);
    return { total: transcript.length, messages: transcript.slice(count).map(customerLine) };
  });

  setCurrentDetails(statusLine(conversation));

  // Live until closed; an idle conversation the AI is handling closes by itself. One with a person
  // on it waits for the person: the human task owns that timeline.
  // One idle timer per quiet spell, not one per message: a message no longer cancels the timer
  // and starts another (two history events and two server writes each); when the timer fires
  // after later activity, the loop sleeps for what remains of the new spell.
  const idleTimerPerSpell = patched('idle-timer-per-quiet-spell');
  for (;;) {
    const seen = lastActivity;
    const active = idleTimerPerSpell
      ? await condition(
          () => conversation.status === 'closed' || customerMessagesThisRun >= config.messagesPerRun,
          Math.max(1, lastActivityAt + config.idleCloseMs - Date.now()),
        )
      : await condition(
          () => conversation.status === 'closed' || lastActivity !== seen || customerMessagesThisRun >= config.messagesPerRun,
          config.idleCloseMs,
        );
    const quietSpellOver = !idleTimerPerSpell || Date.now() >= lastActivityAt + config.idleCloseMs;
    if (!active && quietSpellOver && conversation.status === 'ai') {
      await serial.run(async () => {
        // A message being answered when the timer fired starts a new spell once its reply is out.
        if (patched('idle-spell-after-reply') && Date.now() < lastActivityAt + config.idleCloseMs) return;
        conversation.close();
        publish();
      });
    }
    if (conversation.status === 'closed') break;
    if (customerMessagesThisRun >= config.messagesPerRun) {
      await serial.idle();
      await background.idle();
      // Last await before moving on: no handler may start between it and continueAsNew.
      await condition(() => allHandlersFinished() && serial.isIdle && background.isIdle);
      return continueAsNew<typeof conversationWorkflow>({
        ...input,
        carriedState: conversation.snapshot,
        carriedVersion: version,
      });
    }
  }
  // The AI resolved it (a goodbye) and the CSAT rules ask for a rating: stay open for it a while.
  if (conversation.ratingRequested && patched('csat-window-after-ai-resolution')) {
    await condition(() => !conversation.ratingRequested, csatRulesOf(config).ratingWindowMs);
  }
  await condition(allHandlersFinished);
  await background.idle();
  return { status: conversation.status, messages: conversation.snapshot.transcript.length };
}

function failureDetail(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return (cause ?? (err as Error).message ?? 'unknown failure').slice(0, 200);
}

function statusLine(conversation: Conversation): string {
  const state = conversation.snapshot;
  const customerMessages = conversation.customerMessageCount;
  const category = conversation.latestCategory ?? 'not classified yet';
  switch (state.status) {
    case 'ai':
      return `AI is handling it · ${customerMessages} customer messages · latest category: ${category}`;
    case 'handoff': {
      const h = conversation.currentHandoff;
      return `With a person · task ${h?.taskId} · queue ${h?.queue} · priority ${h?.priority} · reasons ${h?.reasons.map((r) => r.code).join(', ')}`;
    }
    case 'closed':
      return `Closed · ${customerMessages} customer messages`;
  }
}

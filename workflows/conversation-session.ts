import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  startChild,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities, ConfigOrRef } from '../activities';
import type { ActionCall, ActionResult } from '../domain/actions';
import { Conversation, csatRulesOf, type ConversationState, type Decision, type MessageOutcome, type Rating } from '../domain/conversation';
import { proactiveMessageId } from '../domain/ids';
import { summarizeForHandoff } from '../domain/handoff';
import { RuleViolation } from '../domain/rules';
import type { EscalationReason, TranscriptMessage } from '../domain/types';
import {
  CategoryAttr,
  ConversationStatusAttr,
  EscalationReasonAttr,
  PriorityAttr,
  SkillQueueAttr,
  customerWroteSignal,
  type AgentMessage,
  type ConversationInput,
} from './definitions';
import { outsideReceiverCall, ownDatabaseWrite } from './activity-options';
import { inProcessTry, inProcessUntilTheDatabaseIsAway } from './own-writes';
import { engagementMoments } from './engagement-moments';
import { handoffWorkflow } from './handoff';
import { searchAttributesWhenChanged } from './search-attributes';
import { Serial } from './serial';

type ModelStepName = 'classifyMessage' | 'answerQuestion' | 'summarizeHandoff';

/**
 * The model's steps, each with its name in the Temporal UI (so it reads like the conversation),
 * its attempts, and how long it may take on a model server or in process.
 */
const MODEL_STEPS: Record<ModelStepName, { summary: string; attempts: number; onServer: Duration; inProcess: Duration }> = {
  classifyMessage: { summary: 'Classify the customer message', attempts: 3, onServer: '30 seconds', inProcess: '5 seconds' },
  answerQuestion: { summary: 'Answer from the knowledge base', attempts: 3, onServer: '60 seconds', inProcess: '10 seconds' },
  summarizeHandoff: { summary: 'Summarize for the agent', attempts: 2, onServer: '60 seconds', inProcess: '10 seconds' },
};

/**
 * The model's steps as this worker runs them. A model server's calls are ordinary activities:
 * heartbeats, cancellation, their own retries. The embedded model answers in a millisecond: as
 * local activities its calls run inside the workflow task, saving two task-queue round trips per
 * message.
 */
function modelStepsFor(placement: 'local' | 'remote') {
  const step = <K extends ModelStepName>(name: K): Activities[K] => {
    const { summary, attempts, onServer, inProcess } = MODEL_STEPS[name];
    return placement === 'local'
      ? proxyLocalActivities<Activities>({ summary, startToCloseTimeout: inProcess, retry: { maximumAttempts: attempts, initialInterval: '50 milliseconds' } })[name]
      : proxyActivities<Activities>({
          summary,
          startToCloseTimeout: onServer,
          heartbeatTimeout: '10 seconds',
          retry: { maximumAttempts: attempts, initialInterval: '200 milliseconds' },
        })[name];
  };
  return { classifyMessage: step('classifyMessage'), answerQuestion: step('answerQuestion'), summarizeHandoff: step('summarizeHandoff') };
}
type ModelSteps = ReturnType<typeof modelStepsFor>;

const { modelPlacement } = proxyLocalActivities<Activities>({
  summary: 'Ask the worker how it runs the model',
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '50 milliseconds' },
});
// Read models and webhooks must eventually happen, however long the database or receiver is away.
const { projectConversation } = proxyActivities<Activities>({
  summary: 'Update the conversation read model',
  ...ownDatabaseWrite,
});
const { projectConversationIfConnected } = proxyLocalActivities<Activities>({ summary: 'Update the conversation read model', ...inProcessTry });
const { notifyWebhook } = proxyActivities<Activities>({
  summary: 'Notify the customer webhook',
  ...outsideReceiverCall,
});

/** How a run ends: the conversation is over, or it carries on in a fresh run. */
export type RunEnd = { kind: 'finished'; status: string; messages: number } | { kind: 'continue'; input: ConversationInput };

/**
 * One conversation run's state and every operation on it, one at a time: the workflow function
 * only wires Temporal's handlers to these methods (the safe-message-handlers shape). The rules
 * live in the domain's `Conversation`; this object adds what needs Temporal: activities, the
 * human-task child, timers, the read model and search attributes.
 */
export class ConversationSession {
  readonly conversation: Conversation;
  private readonly config: ConversationInput['config'];
  /** Customer-facing operations, in arrival order. */
  private readonly serial = new Serial();
  /** Read-model writes and webhooks, in order, off the customer's path. */
  private readonly background = new Serial();
  private version: number;
  private projectedCount: number;
  private customerMessagesThisRun = 0;
  private lastActivityAt = Date.now();
  private readonly upsertAttributes = searchAttributesWhenChanged('search-attributes-on-change');
  /** Tells the customer's engagement workflow what happened (workflows/engagement-moments.ts). */
  private readonly tellEngagement: (state: ConversationState) => void;
  private modelSteps: ModelSteps | undefined;
  /** The configuration as the model's steps get it: by reference when their inputs are written to history. */
  private configForSteps: ConfigOrRef;
  private readonly writeReadModel = inProcessUntilTheDatabaseIsAway(projectConversationIfConnected, projectConversation);

  constructor(private readonly input: ConversationInput) {
    this.config = input.config;
    this.conversation = input.carriedState
      ? new Conversation(input.carriedState, input.config)
      : Conversation.open({ id: input.conversationId, customer: input.customer, config: input.config, at: now(), webhookUrl: input.webhookUrl });
    this.version = input.carriedState ? (input.carriedVersion ?? 0) : 0;
    this.projectedCount = input.carriedState ? this.conversation.snapshot.transcript.length : 0;
    this.tellEngagement = engagementMoments(input.config, input.carriedState, this.background);
    this.configForSteps = { config: input.config };
  }

  /** A customer message: answered by the AI, handed over, or passed to the person on it. */
  receive(messageId: string, text: string): Promise<MessageOutcome> {
    return this.serial.run(async () => {
      if (this.conversation.hasMessage(messageId)) return this.conversation.outcomeOf(messageId);
      const outcome = await this.handleNewMessage(messageId, text);
      this.conversation.recordOutcome(outcome);
      return outcome;
    });
  }

  /**
   * A customer message that reached history as a signal (no worker took its Update in time). No
   * validator ran before it was written, so the rules run here; one that breaks them is dropped,
   * and a copy of a message already read (its Update came through too) changes nothing.
   */
  receiveDurable(messageId: string, text: string): Promise<void> {
    return this.serial.run(async () => {
      if (this.conversation.hasMessage(messageId)) return;
      try {
        this.conversation.validateCustomerMessage(messageId, text);
      } catch (err) {
        if (!(err instanceof RuleViolation)) throw err;
        log.warn('a pending customer message breaks a rule and is dropped', { messageId, code: err.code });
        return;
      }
      this.conversation.recordOutcome(await this.handleNewMessage(messageId, text));
    });
  }

  /** The customer asks for a person; asking again while one is on it changes nothing. */
  requestHuman(requestId: string, note: string | undefined): Promise<MessageOutcome> {
    return this.serial.run(async () => {
      const current = this.conversation.currentHandoff;
      if (current) {
        return {
          conversationId: this.input.conversationId,
          messageId: requestId,
          status: this.conversation.status,
          handoff: { taskId: current.taskId, reasons: current.reasons, queue: current.queue, priority: current.priority },
        };
      }
      if (note) this.conversation.addCustomerMessage(requestId, note, now());
      try {
        return await this.handOff([{ code: 'customer_request' }], requestId);
      } finally {
        this.publish();
      }
    });
  }

  rate(score: number, comment: string | undefined): Promise<Rating> {
    return this.changing(() => this.conversation.rate(score, comment, now()));
  }

  provideEmail(requestId: string, email: string): Promise<TranscriptMessage> {
    return this.changing(() => this.conversation.provideEmail(requestId, email, now()));
  }

  close(): Promise<void> {
    return this.changing(() => this.conversation.close());
  }

  /** A person's reply or note, sent by their task; a repeated signal is applied once. */
  addAgentMessage(agentMessage: AgentMessage): Promise<void> {
    return this.serial.run(async () => {
      if (this.conversation.hasMessage(agentMessage.id)) return;
      this.conversation.addAgentMessage({ ...agentMessage, at: now() });
      this.publish();
    });
  }

  /** Proactive engagement's message: withheld (the domain says so) while a person has the conversation. */
  addProactiveMessage(signalId: string, text: string): Promise<void> {
    return this.serial.run(async () => {
      if (this.conversation.addProactiveMessage(proactiveMessageId(signalId), text, now())) this.publish();
    });
  }

  /** The person resolved the task this conversation is waiting on (a stale task's signal is ignored). */
  resolveHandoff(resolution: { taskId: string; agentId: string; note?: string; closingMessage?: string }): Promise<void> {
    const { taskId, ...by } = resolution;
    return this.serial.run(async () => {
      if (this.conversation.currentHandoff?.taskId !== taskId) return;
      this.conversation.resolveHandoff(now(), by);
      this.publish();
    });
  }

  /**
   * Lives until closed; an idle conversation the AI is handling closes by itself. One with a person
   * on it waits for the person: the human task owns that timeline. After `messagesPerRun` customer
   * messages the run hands its state to a fresh one, keeping histories short.
   */
  async run(): Promise<RunEnd> {
    const { config } = this;
    setCurrentDetails(statusLine(this.conversation));
    // One idle timer per quiet spell, not one per message: a message no longer cancels the timer
    // and starts another (two history events and two server writes each); when the timer fires
    // after later activity, the loop sleeps for what remains of the new spell.
    const idleTimerPerSpell = patched('idle-timer-per-quiet-spell');
    const runFull = (): boolean => this.customerMessagesThisRun >= config.messagesPerRun;
    const closed = (): boolean => this.conversation.status === 'closed';
    for (;;) {
      const seen = this.version;
      const active = idleTimerPerSpell
        ? await condition(() => closed() || runFull(), Math.max(1, this.quietSpellEndsAt() - Date.now()))
        : await condition(() => closed() || this.version !== seen || runFull(), config.idleCloseMs);
      const quietSpellOver = !idleTimerPerSpell || Date.now() >= this.quietSpellEndsAt();
      if (!active && quietSpellOver && this.conversation.status === 'ai') {
        await this.serial.run(async () => {
          // A message being answered when the timer fired starts a new spell once its reply is out.
          if (patched('idle-spell-after-reply') && Date.now() < this.quietSpellEndsAt()) return;
          this.conversation.close();
          this.publish();
        });
      }
      if (closed()) break;
      if (runFull()) {
        await this.serial.idle();
        await this.background.idle();
        // Last await before moving on: no handler may start between it and continueAsNew.
        await condition(() => allHandlersFinished() && this.serial.isIdle && this.background.isIdle);
        return { kind: 'continue', input: { ...this.input, carriedState: this.conversation.snapshot, carriedVersion: this.version } };
      }
    }
    // The AI resolved it (a goodbye) and the CSAT rules ask for a rating: stay open for it a while.
    if (this.conversation.ratingRequested && patched('csat-window-after-ai-resolution')) {
      await condition(() => !this.conversation.ratingRequested, csatRulesOf(config).ratingWindowMs);
    }
    await condition(allHandlersFinished);
    await this.background.idle();
    return { kind: 'finished', status: this.conversation.status, messages: this.conversation.snapshot.transcript.length };
  }

  private quietSpellEndsAt(): number {
    return this.lastActivityAt + this.config.idleCloseMs;
  }

  /** Applies one change in turn and publishes it. */
  private changing<T>(change: () => T): Promise<T> {
    return this.serial.run(async () => {
      const result = change();
      this.publish();
      return result;
    });
  }

  /** The worker says how it runs the model; conversations started before it did carry the API's choice. */
  private async model(): Promise<ModelSteps> {
    if (this.modelSteps) return this.modelSteps;
    const placement = patched('worker-places-model') ? await modelPlacement() : (this.input.modelActivities ?? 'remote');
    this.modelSteps = modelStepsFor(placement);
    this.configForSteps = placement === 'remote' && this.input.configRef ? { configRef: this.input.configRef } : { config: this.config };
    return this.modelSteps;
  }

  private async handleNewMessage(messageId: string, text: string): Promise<MessageOutcome> {
    const message = this.conversation.addCustomerMessage(messageId, text, now());
    this.customerMessagesThisRun += 1;
    try {
      if (!this.conversation.aiMayAnswer) {
        await this.forwardToAgent(message);
        const holding = this.conversation.addHoldingReply(messageId, now());
        return this.outcome(messageId, { reply: holding });
      }
      // Histories from before grounded answers replay the classify-then-answer path they ran.
      if (patched('understand-and-ground')) return await this.understandAndAct(messageId, text);
      return await this.classifyThenAnswer(messageId, text);
    } finally {
      this.publish();
    }
  }

  /**
   * Understands the message (intent, grounding article, language: one in-process step), lets the
   * domain decide, then answers from the grounded article, replies, or hands over.
   */
  private async understandAndAct(messageId: string, text: string): Promise<MessageOutcome> {
    let decision: Decision;
    try {
      const classification = await (await this.model()).classifyMessage({
        text,
        previous: this.conversation.followUpContext(messageId),
        ...this.configForSteps,
      });
      // Conversations from before actions replay without them; a configuration without any has none.
      const actions = patched('business-actions') ? (this.config.actions ?? []) : [];
      decision = this.conversation.decide(messageId, classification, actions);
    } catch (err) {
      decision = { kind: 'handoff', reasons: [{ code: 'llm_failure', detail: failureDetail(err) }] };
    }
    if (decision.kind === 'handoff') return this.handOff(decision.reasons, messageId);
    if (decision.kind === 'action') return this.runAction(decision.call, messageId);
    if (decision.kind === 'reply') {
      const reply = this.conversation.addAiAnswer(messageId, { text: decision.text, citations: [] }, now());
      if (decision.closes) this.conversation.closeResolvedByAi();
      return this.outcome(messageId, { reply });
    }
    return this.answer(messageId, text);
  }

  /** The path conversations took before grounded answers; kept so their histories replay. */
  private async classifyThenAnswer(messageId: string, text: string): Promise<MessageOutcome> {
    let reasons: EscalationReason[];
    try {
      const classification = await (await this.model()).classifyMessage({ text, ...this.configForSteps });
      reasons = this.conversation.classify(messageId, classification);
    } catch (err) {
      reasons = [{ code: 'llm_failure', detail: failureDetail(err) }];
    }
    if (reasons.length > 0) return this.handOff(reasons, messageId);
    return this.answer(messageId, text);
  }

  /** Writes the answer from the article the message was grounded in; a model failure hands over. */
  private async answer(messageId: string, text: string): Promise<MessageOutcome> {
    const classification = this.conversation.snapshot.transcript.find((m) => m.id === messageId)?.classification;
    if (!classification) throw new Error('classified message lost its classification');
    try {
      const model = await this.model();
      const transcript = this.conversation.writerContext(messageId);
      const { customer } = this.conversation.snapshot;
      const answer = await model.answerQuestion({ question: text, classification, transcript, customer, ...this.configForSteps });
      return this.outcome(messageId, { reply: this.conversation.addAiAnswer(messageId, answer, now()) });
    } catch (err) {
      return this.handOff([{ code: 'llm_failure', detail: failureDetail(err) }], messageId);
    }
  }

  /**
   * Runs one action against the business's systems as its own activity, named for operators
   * ("Look up order 1001"), with the action's timeout and retries and the call's idempotency key;
   * records the result for the agent, then answers from it, or apologises and hands over.
   */
  private async runAction(call: ActionCall, messageId: string): Promise<MessageOutcome> {
    const action = (this.config.actions ?? []).find((candidate) => candidate.name === call.name);
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
    const answer = this.conversation.recordAction(messageId, call, result, now());
    const actions = [{ name: call.name, ok: result.ok }];
    if (answer === undefined) {
      const detail = result.ok ? undefined : result.reason;
      return { ...(await this.handOff([{ code: 'action_failed', detail }], messageId)), actions };
    }
    const reply = this.conversation.addAiAnswer(messageId, { text: answer, citations: [] }, now());
    return this.outcome(messageId, { reply, actions });
  }

  /** Starts the human task (a child that outlives this run) with a summary for the agent. */
  private async handOff(reasons: EscalationReason[], inReplyTo: string): Promise<MessageOutcome> {
    const { config } = this;
    const state = this.conversation.snapshot;
    const route = this.conversation.route(reasons);
    let summary;
    try {
      const model = await this.model();
      summary = await model.summarizeHandoff({ transcript: state.transcript, customer: state.customer, reasons, ...this.configForSteps });
    } catch {
      // The agent still needs a summary when the model is down: the deterministic one will do.
      summary = summarizeForHandoff({ transcript: state.transcript, customer: state.customer, reasons, config });
    }
    const { handoff, notice } = this.conversation.handOff(
      { reasons, queue: route.queue, priority: route.priority, summary, at: now() },
      inReplyTo,
      // Visitors may now come without an email: off hours, ask for one so the answer can reach them.
      this.conversation.handoffNotice(route.priority, now(), reasons, { askForEmail: patched('ask-anonymous-visitor-email') }),
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
    return this.outcome(inReplyTo, {
      reply: notice,
      handoff: { taskId: handoff.taskId, reasons, queue: route.queue, priority: route.priority },
    });
  }

  private async forwardToAgent(message: TranscriptMessage): Promise<void> {
    const task = this.conversation.currentHandoff;
    if (task) await getExternalWorkflowHandle(task.taskId).signal(customerWroteSignal, { messageId: message.id, at: message.at });
  }

  private outcome(messageId: string, what: Pick<MessageOutcome, 'reply' | 'handoff' | 'actions'>): MessageOutcome {
    return { conversationId: this.input.conversationId, messageId, status: this.conversation.status, ...what };
  }

  /**
   * Writes the read model and tells the webhook, in order. The reply waits for the read model's
   * in-process write at most (milliseconds), never for a durable retry or a webhook.
   */
  private publish(): void {
    this.version += 1;
    this.lastActivityAt = Date.now();
    const { conversation } = this;
    const state = conversation.snapshot;
    const fresh = state.transcript.slice(this.projectedCount).map((message, i) => ({ seq: this.projectedCount + i, message }));
    this.projectedCount = state.transcript.length;
    const handoff = state.handoffs.at(-1);
    const reasons = [...new Set(state.handoffs.flatMap((h) => h.reasons.map((r) => r.code)))];
    const projection = {
      conversationId: state.id,
      version: this.version,
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
    void this.background.run(async () => {
      // Histories from before write durably, with the same awaits, so their commands keep their order.
      if (patched('read-model-in-process')) await this.writeReadModel(projection);
      else await projectConversation(projection);
      if (state.webhookUrl) {
        for (const message of outward) {
          await notifyWebhook({ url: state.webhookUrl, event: { conversationId: state.id, message } });
        }
      }
    });

    this.upsertAttributes([
      { key: ConversationStatusAttr, value: state.status },
      ...(projection.category ? [{ key: CategoryAttr, value: projection.category }] : []),
      ...(reasons.length ? [{ key: EscalationReasonAttr, value: reasons }] : []),
      ...(handoff ? [{ key: PriorityAttr, value: handoff.priority }, { key: SkillQueueAttr, value: handoff.queue }] : []),
    ]);
    setCurrentDetails(statusLine(conversation));
    this.tellEngagement(state);
  }
}

const now = (): string => new Date().toISOString();

function failureDetail(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return (cause ?? (err as Error).message ?? 'unknown failure').slice(0, 200);
}

/** The workflow's current details in the Temporal UI: who has the conversation and why. */
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

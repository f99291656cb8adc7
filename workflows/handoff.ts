import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TaskProjection } from '../db/tasks';
import { HumanTask, type HumanTaskState, type SlaFiring } from '../domain/human-task';
import { RuleViolation } from '../domain/rules';
import { conversationWorkflowId } from '../domain/ids';
import { outsideReceiverCall, ownDatabaseWrite } from './activity-options';
import { inProcessTry, inProcessUntilTheDatabaseIsAway } from './own-writes';
import { rejectIfRuleBroken } from './rejections';
import {
  AssignedAgentAttr,
  PriorityAttr,
  SkillQueueAttr,
  SlaBreachedAttr,
  addNoteUpdate,
  agentMessageSignal,
  claimTaskUpdate,
  customerWroteSignal,
  handoffResolvedSignal,
  releaseTaskUpdate,
  replyToCustomerUpdate,
  resolveTaskUpdate,
  taskQuery,
  transferTaskUpdate,
  transferToAgentUpdate,
  type HandoffInput,
} from './definitions';
import { searchAttributesWhenChanged } from './search-attributes';
import { Serial } from './serial';

// Read models and SLA records must eventually happen, however long the database is away.
const { projectTask } = proxyActivities<Activities>({
  summary: 'Update the task read model',
  ...ownDatabaseWrite,
});
const { recordSlaEvent } = proxyActivities<Activities>({
  summary: 'Record the SLA event',
  ...ownDatabaseWrite,
});
const { recordConfirmedCategory } = proxyActivities<Activities>({
  summary: 'Record the confirmed category as a training example',
  ...ownDatabaseWrite,
});
const { notifySla } = proxyActivities<Activities>({
  summary: 'Notify about the SLA (log and webhook)',
  ...outsideReceiverCall,
});
const { projectTaskIfConnected } = proxyLocalActivities<Activities>({ summary: 'Update the task read model', ...inProcessTry });
const { recordSlaEventIfConnected } = proxyLocalActivities<Activities>({ summary: 'Record the SLA event', ...inProcessTry });

/**
 * One human task: waiting → claimed → resolved, with its SLA clocks and return timer. It is the
 * conversation's child but outlives the conversation's run (continue-as-new), and talks to it by
 * signals through the conversation's id.
 *
 * The timers are one updatable timer: the loop sleeps until the earliest pending deadline, and any
 * change to the task (claim, reply, transfer, a priority raised by a breach) wakes it to recompute.
 */
export async function handoffWorkflow(input: HandoffInput): Promise<HumanTaskState> {
  const now = (): string => new Date().toISOString();
  const { sla } = input.config;
  const task = HumanTask.create(
    {
      taskId: input.taskId,
      conversationId: input.conversationId,
      customer: input.customer,
      reasons: input.reasons,
      queue: input.queue,
      priority: input.priority,
      summary: input.summary,
      createdAt: now(),
    },
    sla,
  );
  const conversation = getExternalWorkflowHandle(conversationWorkflowId(input.conversationId));
  const projections = new Serial();
  const slaEffects = new Serial();
  const trainingExamples = new Serial();
  let version = 0;
  const upsertAttributes = searchAttributesWhenChanged('task-search-attributes-on-change');
  // An SLA firing costs its timer and one workflow task, plus the notification the policy asks for.
  // Tasks from before write through activities, with the same awaits, so their commands keep their order.
  const writeTask = inProcessUntilTheDatabaseIsAway(projectTaskIfConnected, projectTask);
  const recordFiring = inProcessUntilTheDatabaseIsAway(recordSlaEventIfConnected, recordSlaEvent);
  const writesInProcess = (): boolean => patched('task-writes-in-process');

  /** Every state change: search attributes, status line, and the read model (in order, in the background). */
  const changed = (): HumanTaskState => {
    version += 1;
    const s = task.snapshot;
    upsertAttributes([
      { key: SkillQueueAttr, value: s.queue },
      { key: PriorityAttr, value: s.priority },
      { key: AssignedAgentAttr, value: s.assignee ?? null },
      { key: SlaBreachedAttr, value: task.slaBreached },
    ]);
    setCurrentDetails(statusLine(task));
    const projection: TaskProjection = {
      version,
      // A copy: the projection runs later, after the task may have changed again.
      state: JSON.parse(JSON.stringify(s)) as HumanTaskState,
      nextDeadline: task.nextDeadline,
      slaBreached: task.slaBreached,
      updatedAt: now(),
    };
    void projections.run(() => (writesInProcess() ? writeTask(projection) : projectTask(projection)));
    return s;
  };

  const actOn = (firing: SlaFiring): void => {
    const notice = { taskId: input.taskId, conversationId: input.conversationId, firing };
    const actions: readonly string[] = sla.breachActions;
    // A return is always recorded: it is the event that says why the task came back.
    const record = firing.kind === 'returned' || actions.includes('record');
    const notify = actions.includes('notify');
    void slaEffects.run(async () => {
      if (notify) await notifySla(notice);
      if (record) await (writesInProcess() ? recordFiring(notice) : recordSlaEvent(notice));
    });
  };

  setHandler(
    claimTaskUpdate,
    ({ agentId }) => {
      task.claim(agentId, now());
      return Promise.resolve(changed());
    },
    { validator: (_claim) => rejectIfRuleBroken(() => task.validateClaim()) },
  );

  setHandler(
    replyToCustomerUpdate,
    async ({ agentId, replyId, text }) => {
      task.reply(agentId, now());
      await conversation.signal(agentMessageSignal, { id: replyId, agentId, text, internal: false });
      return changed();
    },
    {
      validator: ({ agentId, text }) =>
        rejectIfRuleBroken(() => {
          task.validateAssignee(agentId);
          task.validateText(text);
        }),
    },
  );

  setHandler(
    addNoteUpdate,
    async ({ agentId, noteId, text }) => {
      task.note(agentId, now());
      await conversation.signal(agentMessageSignal, { id: noteId, agentId, text, internal: true });
      return changed();
    },
    { validator: ({ text }) => rejectIfRuleBroken(() => task.validateText(text)) },
  );

  setHandler(
    releaseTaskUpdate,
    ({ agentId }) => {
      task.release(agentId, now(), 'released by the agent');
      return Promise.resolve(changed());
    },
    { validator: ({ agentId }) => rejectIfRuleBroken(() => task.validateAssignee(agentId)) },
  );

  setHandler(
    transferTaskUpdate,
    ({ agentId, queue }) => {
      task.transfer(agentId, queue, now());
      return Promise.resolve(changed());
    },
    {
      validator: ({ queue }) =>
        rejectIfRuleBroken(() => {
          task.validateTransfer();
          if (!input.config.queues.some((q) => q.id === queue)) throw new RuleViolation('unknown_queue', `There is no queue ${queue}.`);
        }),
    },
  );

  setHandler(
    transferToAgentUpdate,
    ({ agentId, toAgentId }) => {
      task.transferToAgent(agentId, toAgentId, now());
      return Promise.resolve(changed());
    },
    { validator: (_transfer) => rejectIfRuleBroken(() => task.validateTransfer()) },
  );

  setHandler(
    resolveTaskUpdate,
    async ({ agentId, note, closingMessage, confirmedCategory }) => {
      task.resolve(agentId, note, now());
      // Part of the resolve, not a second request after it: a database away delays the example,
      // and this run ends only once it is written.
      if (confirmedCategory !== undefined && patched('resolve-records-confirmed-category')) {
        const intentCategories = Object.fromEntries(Object.entries(input.config.intentCategories).filter(([, c]) => c === confirmedCategory));
        void trainingExamples.run(() => recordConfirmedCategory({ conversationId: input.conversationId, agentId, category: confirmedCategory, intentCategories }));
      }
      await conversation.signal(handoffResolvedSignal, { taskId: input.taskId, agentId, note, closingMessage });
      return changed();
    },
    { validator: ({ agentId }) => rejectIfRuleBroken(() => task.validateAssignee(agentId)) },
  );

  setHandler(customerWroteSignal, ({ at }) => {
    task.customerWrote(at);
    changed();
  });
  setHandler(taskQuery, () => task.snapshot);

  changed();
  while (task.snapshot.status !== 'resolved') {
    const next = task.pendingTimers()[0];
    const seen = version;
    // condition() with a 0 ms timeout would wait forever: a timer already due fires at once.
    const wake = () => version !== seen;
    if (next === undefined) {
      await condition(wake);
      continue;
    }
    const waitMs = next.at - Date.now();
    if (waitMs > 0 && (await condition(wake, waitMs))) continue;
    const fired = task.fireDue(Date.now());
    if (fired.length === 0) continue;
    changed();
    for (const firing of fired) actOn(firing);
  }
  await condition(allHandlersFinished);
  await slaEffects.idle();
  await trainingExamples.idle();
  await projections.idle();
  return task.snapshot;
}

const TARGET_LABEL = { firstResponse: 'first response', nextResponse: 'next response', resolution: 'resolution' } as const;

/** The live line operators read in the Temporal UI: where the task is and which deadlines it races. */
function statusLine(task: HumanTask): string {
  const s = task.snapshot;
  const parts = [s.status, `queue ${s.queue}`, `priority ${s.priority}`];
  if (s.assignee) parts.push(`agent ${s.assignee}`);
  if (s.status === 'resolved') {
    const outcomes = Object.entries(s.slaOutcomes).map(([target, outcome]) => `${TARGET_LABEL[target as keyof typeof TARGET_LABEL]} ${outcome}`);
    return [...parts, ...outcomes].join(' · ');
  }
  for (const clock of s.slaClocks) {
    if (clock.stoppedAt) continue;
    parts.push(`${TARGET_LABEL[clock.target]} due ${clock.dueAt}${clock.breachedAt ? ' (BREACHED)' : ''}`);
  }
  if (s.returnDueAt) parts.push(`returns to queue at ${s.returnDueAt} without a reply`);
  return parts.join(' · ');
}

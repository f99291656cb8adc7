import type { SupportConfig } from '../config/schema';
import { raisePriority } from './routing';
import { slaDeadline } from './sla-calendar';
import type { CustomerProfile, EscalationReason, HandoffSummary, Priority } from './types';
import { RuleViolation } from './rules';

export type TaskStatus = 'waiting' | 'claimed' | 'resolved';


export type SlaSettings = SupportConfig['sla'];
export type SlaTarget = 'firstResponse' | 'nextResponse' | 'resolution';
export type SlaOutcome = 'hit' | 'missed';

/**
 * One run of one SLA target. Deadlines are derived from `startedAt` and the task's current
 * priority, so a priority change moves every clock that has not breached yet.
 */
export interface SlaClock {
  target: SlaTarget;
  startedAt: string;
  dueAt: string;
  warnAt: string;
  warnedAt?: string;
  breachedAt?: string;
  /** When the target was met, or the task resolved; a stopped clock never fires. */
  stoppedAt?: string;
}

export interface TaskEvent {
  at: string;
  kind:
    | 'created'
    | 'claimed'
    | 'replied'
    | 'note'
    | 'released'
    | 'transferred'
    | 'resolved'
    | 'customer_wrote'
    | 'sla_warning'
    | 'sla_breached'
    | 'priority_raised'
    | 'moved_to_overflow'
    | 'returned';
  agentId?: string;
  detail?: string;
}

export interface HumanTaskState {
  taskId: string;
  conversationId: string;
  customer: CustomerProfile;
  reasons: EscalationReason[];
  queue: string;
  priority: Priority;
  summary: HandoffSummary;
  status: TaskStatus;
  assignee?: string;
  createdAt: string;
  claimedAt?: string;
  /** When a claimed task with no reply from its agent goes back to the queue. */
  returnDueAt?: string;
  firstResponseAt?: string;
  lastAgentReplyAt?: string;
  resolvedAt?: string;
  resolutionNote?: string;
  slaClocks: SlaClock[];
  /** Per target: hit or missed once its clocks have stopped; one missed next response makes it missed. */
  slaOutcomes: Partial<Record<SlaTarget, SlaOutcome>>;
  events: TaskEvent[];
}

/** Something a timer did, for the workflow to notify and record. */
export interface SlaFiring {
  kind: 'warning' | 'breach' | 'returned';
  /** Absent for the return timer. */
  target?: SlaTarget;
  /** The instant the timer was due. */
  dueAt: string;
  /** The instant it fired. */
  at: string;
  priority: Priority;
  queue: string;
  agentId?: string;
  /** The breach actions taken, in order. */
  actions: string[];
}

export interface PendingTimer {
  kind: 'warning' | 'breach' | 'returned';
  target?: SlaTarget;
  at: number;
}

const MAX_AGENT_TEXT = 8000;

/** The life of one human task and its SLA clocks, with no Temporal and no I/O. */
export class HumanTask {
  constructor(
    private readonly state: HumanTaskState,
    private readonly sla: SlaSettings,
  ) {}

  static create(
    input: Omit<HumanTaskState, 'status' | 'events' | 'slaClocks' | 'slaOutcomes'>,
    sla: SlaSettings,
  ): HumanTask {
    const task = new HumanTask(
      { ...input, status: 'waiting', slaClocks: [], slaOutcomes: {}, events: [{ at: input.createdAt, kind: 'created' }] },
      sla,
    );
    task.startClock('firstResponse', input.createdAt);
    task.startClock('resolution', input.createdAt);
    return task;
  }

  get snapshot(): HumanTaskState {
    return this.state;
  }

  get slaBreached(): boolean {
    return this.state.slaClocks.some((clock) => clock.breachedAt !== undefined);
  }

  /** The earliest due time among running clocks, breached ones included: what the agent races. */
  get nextDeadline(): string | undefined {
    const due = this.openClocks().map((clock) => clock.dueAt).sort();
    return due[0];
  }

  validateClaim(): void {
    this.validateOpen();
    if (this.state.status === 'claimed') {
      throw new RuleViolation('already_claimed', `The task is already claimed by ${this.state.assignee}.`);
    }
  }

  claim(agentId: string, at: string): void {
    this.validateClaim();
    this.assign(agentId, at);
    this.state.events.push({ at, kind: 'claimed', agentId });
  }

  validateAssignee(agentId: string): void {
    this.validateOpen();
    if (this.state.status !== 'claimed' || this.state.assignee !== agentId) {
      throw new RuleViolation('not_assignee', 'Only the agent who claimed the task can do that; claim it first.');
    }
  }

  validateText(text: string): void {
    if (text.trim().length === 0) throw new RuleViolation('empty_text', 'The text is empty.');
    if (text.length > MAX_AGENT_TEXT) throw new RuleViolation('text_too_long', `The limit is ${MAX_AGENT_TEXT} characters.`);
  }

  reply(agentId: string, at: string): void {
    this.validateAssignee(agentId);
    this.state.firstResponseAt ??= at;
    this.state.lastAgentReplyAt = at;
    this.state.returnDueAt = undefined;
    this.stopClocks(at, (clock) => clock.target !== 'resolution');
    this.state.events.push({ at, kind: 'replied', agentId });
  }

  note(agentId: string, at: string): void {
    this.validateOpen();
    this.state.events.push({ at, kind: 'note', agentId });
  }

  release(agentId: string, at: string, why: string): void {
    this.validateAssignee(agentId);
    this.unassign();
    this.state.events.push({ at, kind: 'released', agentId, detail: why });
  }

  validateTransfer(): void {
    this.validateOpen();
  }

  /** Back to a queue, unclaimed. */
  transfer(agentId: string, queue: string, at: string): void {
    this.validateOpen();
    this.state.queue = queue;
    this.unassign();
    this.state.events.push({ at, kind: 'transferred', agentId, detail: `queue:${queue}` });
  }

  /** Straight to another agent, who holds it as if they had claimed it (the return timer included). */
  transferToAgent(agentId: string, toAgentId: string, at: string): void {
    this.validateOpen();
    this.assign(toAgentId, at);
    this.state.events.push({ at, kind: 'transferred', agentId, detail: `agent:${toAgentId}` });
  }

  resolve(agentId: string, note: string | undefined, at: string): void {
    this.validateAssignee(agentId);
    this.state.status = 'resolved';
    this.state.resolvedAt = at;
    this.state.resolutionNote = note;
    this.state.returnDueAt = undefined;
    this.stopClocks(at, () => true);
    this.state.events.push({ at, kind: 'resolved', agentId, detail: note });
  }

  /** A customer message after an agent's reply starts the next-response clock, if the policy has one. */
  customerWrote(at: string): void {
    this.state.events.push({ at, kind: 'customer_wrote' });
    if (this.state.status === 'resolved' || this.state.lastAgentReplyAt === undefined) return;
    if (this.openClocks().some((clock) => clock.target === 'nextResponse')) return;
    if (this.sla.policies[this.state.priority].nextResponseMs === undefined) return;
    this.startClock('nextResponse', at);
  }

  /** Every timer still to fire, earliest first. */
  pendingTimers(): PendingTimer[] {
    if (this.state.status === 'resolved') return [];
    const timers: PendingTimer[] = [];
    for (const clock of this.openClocks()) {
      if (clock.breachedAt !== undefined) continue;
      if (clock.warnedAt === undefined) timers.push({ kind: 'warning', target: clock.target, at: Date.parse(clock.warnAt) });
      timers.push({ kind: 'breach', target: clock.target, at: Date.parse(clock.dueAt) });
    }
    if (this.state.status === 'claimed' && this.state.returnDueAt !== undefined) {
      timers.push({ kind: 'returned', at: Date.parse(this.state.returnDueAt) });
    }
    return timers.sort((a, b) => a.at - b.at);
  }

  /**
   * Fires every timer due at `nowMs`: warnings, breaches (with the configured chain's state changes:
   * raise priority, move to the overflow queue) and the return timer. Returns what fired, so the
   * caller can notify and record.
   */
  fireDue(nowMs: number): SlaFiring[] {
    const at = new Date(nowMs).toISOString();
    const fired: SlaFiring[] = [];
    // One at a time: a breach can raise the priority and so move the other clocks' deadlines.
    for (let timer = this.pendingTimers()[0]; timer && timer.at <= nowMs; timer = this.pendingTimers()[0]) {
      if (timer.kind === 'returned') {
        const agentId = this.state.assignee;
        const dueAt = this.state.returnDueAt ?? at;
        this.unassign();
        const why = `no reply from ${agentId} within ${Math.round(this.sla.returnAfterMs / 1000)} s of claiming`;
        this.state.events.push({ at, kind: 'returned', agentId, detail: why });
        fired.push({ kind: 'returned', dueAt, at, priority: this.state.priority, queue: this.state.queue, agentId, actions: [] });
        continue;
      }
      const target = timer.target;
      const clock = this.openClocks().find((c) => c.target === target && c.breachedAt === undefined);
      if (!clock) break;
      if (timer.kind === 'warning') {
        clock.warnedAt = at;
        this.state.events.push({ at, kind: 'sla_warning', detail: `${clock.target} due ${clock.dueAt}` });
        fired.push({ kind: 'warning', target: clock.target, dueAt: clock.warnAt, at, ...this.where(), actions: [] });
      } else {
        clock.warnedAt ??= at;
        clock.breachedAt = at;
        const dueAt = clock.dueAt;
        this.state.events.push({ at, kind: 'sla_breached', detail: `${clock.target} was due ${dueAt}` });
        const actions = this.runBreachChain(at);
        fired.push({ kind: 'breach', target: clock.target, dueAt, at, ...this.where(), actions });
      }
    }
    return fired;
  }

  private runBreachChain(at: string): string[] {
    const taken: string[] = [];
    for (const action of this.sla.breachActions) {
      if (action === 'raise_priority') {
        const before = this.state.priority;
        this.state.priority = raisePriority(before);
        if (this.state.priority !== before) {
          this.state.events.push({ at, kind: 'priority_raised', detail: `${before} → ${this.state.priority}` });
          this.recomputeDeadlines();
          taken.push(action);
        }
      } else if (action === 'move_to_overflow') {
        if (this.state.queue !== this.sla.overflowQueue) {
          const from = this.state.queue;
          // The agent holding it keeps it; only an unclaimed task changes hands.
          this.state.queue = this.sla.overflowQueue;
          this.state.events.push({ at, kind: 'moved_to_overflow', detail: `${from} → ${this.state.queue}` });
          taken.push(action);
        }
      } else {
        // notify and record are I/O: the workflow carries them out.
        taken.push(action);
      }
    }
    return taken;
  }

  private where(): { priority: Priority; queue: string; agentId?: string } {
    return { priority: this.state.priority, queue: this.state.queue, agentId: this.state.assignee };
  }

  private assign(agentId: string, at: string): void {
    this.state.status = 'claimed';
    this.state.assignee = agentId;
    this.state.claimedAt = at;
    this.state.returnDueAt = new Date(Date.parse(at) + this.sla.returnAfterMs).toISOString();
  }

  private unassign(): void {
    this.state.status = 'waiting';
    this.state.assignee = undefined;
    this.state.claimedAt = undefined;
    this.state.returnDueAt = undefined;
  }

  private openClocks(): SlaClock[] {
    return this.state.slaClocks.filter((clock) => clock.stoppedAt === undefined);
  }

  private startClock(target: SlaTarget, startedAt: string): void {
    const clock: SlaClock = { target, startedAt, dueAt: startedAt, warnAt: startedAt };
    this.schedule(clock);
    this.state.slaClocks.push(clock);
  }

  /** Due and warning times from the current priority's policy, in its kind of time. */
  private schedule(clock: SlaClock): void {
    const policy = this.sla.policies[this.state.priority];
    const targetMs =
      clock.target === 'firstResponse'
        ? policy.firstResponseMs
        : clock.target === 'resolution'
          ? policy.resolutionMs
          : (policy.nextResponseMs ?? policy.firstResponseMs);
    const start = new Date(clock.startedAt);
    clock.dueAt = slaDeadline(start, targetMs, policy.calendar, this.sla).toISOString();
    if (clock.warnedAt === undefined) {
      clock.warnAt = slaDeadline(start, Math.floor(targetMs * this.sla.warnAt), policy.calendar, this.sla).toISOString();
    }
  }

  private recomputeDeadlines(): void {
    for (const clock of this.openClocks()) if (clock.breachedAt === undefined) this.schedule(clock);
  }

  private stopClocks(at: string, which: (clock: SlaClock) => boolean): void {
    for (const clock of this.openClocks().filter(which)) {
      clock.stoppedAt = at;
      const late = clock.breachedAt !== undefined || Date.parse(at) > Date.parse(clock.dueAt);
      const outcome: SlaOutcome = late ? 'missed' : 'hit';
      const previous = this.state.slaOutcomes[clock.target];
      this.state.slaOutcomes[clock.target] = previous === 'missed' ? 'missed' : outcome;
    }
  }

  private validateOpen(): void {
    if (this.state.status === 'resolved') throw new RuleViolation('task_resolved', 'The task is already resolved.');
  }
}

import type { CustomerProfile, EscalationReason, HandoffSummary, Priority } from './types';

export type TaskStatus = 'waiting' | 'claimed' | 'resolved';

export class TaskRuleError extends Error {
  override readonly name = 'TaskRuleError';
  constructor(
    readonly code: 'already_claimed' | 'not_assignee' | 'task_resolved' | 'empty_text' | 'text_too_long',
    message: string,
  ) {
    super(message);
  }
}

export interface TaskEvent {
  at: string;
  kind: 'created' | 'claimed' | 'replied' | 'note' | 'released' | 'transferred' | 'resolved' | 'customer_wrote';
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
  firstResponseAt?: string;
  resolvedAt?: string;
  resolutionNote?: string;
  events: TaskEvent[];
}

const MAX_AGENT_TEXT = 8000;

/** The life of one human task, with no Temporal and no I/O. */
export class HumanTask {
  constructor(private readonly state: HumanTaskState) {}

  static create(input: Omit<HumanTaskState, 'status' | 'events'>): HumanTask {
    return new HumanTask({ ...input, status: 'waiting', events: [{ at: input.createdAt, kind: 'created' }] });
  }

  get snapshot(): HumanTaskState {
    return this.state;
  }

  validateClaim(): void {
    this.validateOpen();
    if (this.state.status === 'claimed') {
      throw new TaskRuleError('already_claimed', `The task is already claimed by ${this.state.assignee}.`);
    }
  }

  claim(agentId: string, at: string): void {
    this.validateClaim();
    this.state.status = 'claimed';
    this.state.assignee = agentId;
    this.state.events.push({ at, kind: 'claimed', agentId });
  }

  validateAssignee(agentId: string): void {
    this.validateOpen();
    if (this.state.status !== 'claimed' || this.state.assignee !== agentId) {
      throw new TaskRuleError('not_assignee', 'Only the agent who claimed the task can do that; claim it first.');
    }
  }

  validateText(text: string): void {
    if (text.trim().length === 0) throw new TaskRuleError('empty_text', 'The text is empty.');
    if (text.length > MAX_AGENT_TEXT) throw new TaskRuleError('text_too_long', `The limit is ${MAX_AGENT_TEXT} characters.`);
  }

  reply(agentId: string, at: string): void {
    this.validateAssignee(agentId);
    this.state.firstResponseAt ??= at;
    this.state.events.push({ at, kind: 'replied', agentId });
  }

  note(agentId: string, at: string): void {
    this.validateOpen();
    this.state.events.push({ at, kind: 'note', agentId });
  }

  release(agentId: string, at: string, why: string): void {
    this.validateAssignee(agentId);
    this.state.status = 'waiting';
    this.state.assignee = undefined;
    this.state.events.push({ at, kind: 'released', agentId, detail: why });
  }

  transfer(agentId: string, queue: string, at: string): void {
    this.validateOpen();
    this.state.queue = queue;
    this.state.status = 'waiting';
    this.state.assignee = undefined;
    this.state.events.push({ at, kind: 'transferred', agentId, detail: queue });
  }

  resolve(agentId: string, note: string | undefined, at: string): void {
    this.validateAssignee(agentId);
    this.state.status = 'resolved';
    this.state.resolvedAt = at;
    this.state.resolutionNote = note;
    this.state.events.push({ at, kind: 'resolved', agentId, detail: note });
  }

  customerWrote(at: string): void {
    this.state.events.push({ at, kind: 'customer_wrote' });
  }

  private validateOpen(): void {
    if (this.state.status === 'resolved') throw new TaskRuleError('task_resolved', 'The task is already resolved.');
  }
}

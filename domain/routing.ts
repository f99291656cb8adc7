import type { CategoryConfig, SupportConfig } from '../config/schema';
import { HUMAN_REQUEST_CATEGORY, isHighValueCustomer, isVeryNegative } from './escalation';
import type { Classification, CustomerProfile, EscalationReason, Priority, TranscriptMessage } from './types';
import { PRIORITIES } from './types';

export interface RoutingInput {
  config: SupportConfig;
  /** The latest customer message's classification; absent when the model could not classify it. */
  classification?: Classification;
  reasons: EscalationReason[];
  customer: CustomerProfile;
  transcript: TranscriptMessage[];
}

export interface Route {
  queue: string;
  priority: Priority;
}

/** One step more urgent, capped at urgent. */
export function raisePriority(priority: Priority, steps = 1): Priority {
  const index = Math.min(PRIORITIES.indexOf(priority) + steps, PRIORITIES.length - 1);
  return PRIORITIES[index] ?? 'urgent';
}

/**
 * The category the customer's problem belongs to. "Get me a person" says nothing about the problem,
 * so for a human request (or an unclassified message) the latest earlier customer message with a
 * real category decides; a conversation that is only a human request keeps that category.
 */
export function issueCategory(
  config: SupportConfig,
  classification: Classification | undefined,
  transcript: TranscriptMessage[],
): CategoryConfig | undefined {
  const byId = (id: string | undefined) => config.categories.find((category) => category.id === id);
  if (classification && classification.category !== HUMAN_REQUEST_CATEGORY) {
    return byId(classification.category);
  }
  const earlier = [...transcript]
    .reverse()
    .find(
      (entry) =>
        entry.role === 'customer' &&
        entry.classification !== undefined &&
        entry.classification.category !== HUMAN_REQUEST_CATEGORY &&
        byId(entry.classification.category) !== undefined,
    );
  return byId(earlier?.classification?.category ?? classification?.category);
}

/**
 * Where a handed-over conversation goes and how urgent it is. The queue and base priority are the
 * issue category's; a `category:<id>` reason lifts the priority to at least that category's (so a
 * cancellation never waits behind its routing category); a very negative message and a high-value
 * customer each add one step. With no known category the first configured queue gets it at normal.
 */
export function routeHandoff({ config, classification, reasons, customer, transcript }: RoutingInput): Route {
  const category = issueCategory(config, classification, transcript);
  let priority: Priority = category?.priority ?? 'normal';
  for (const reason of reasons) {
    const reasonCategory = config.categories.find((candidate) => reason.code === `category:${candidate.id}`);
    if (reasonCategory) priority = higherPriority(priority, reasonCategory.priority);
  }
  if (classification && isVeryNegative(classification.sentiment, config)) priority = raisePriority(priority);
  if (isHighValueCustomer(customer, config)) priority = raisePriority(priority);
  const queue = category?.queue ?? config.queues[0]?.id;
  if (queue === undefined) throw new Error('support configuration has no queues');
  return { queue, priority };
}

function higherPriority(a: Priority, b: Priority): Priority {
  return PRIORITIES.indexOf(a) >= PRIORITIES.indexOf(b) ? a : b;
}

import type { SupportConfig } from '../config/schema';
import { WEEK_MS, engagementRulesOf } from '../domain/engagement';
import { countBy, paretoTable, type ParetoRow } from '../domain/pareto';
import { resolutionQuality, type QualityFigures, type ResolutionRow } from '../domain/quality';
import type { Models } from './models';

// Support metrics over the read models. FerretDB runs only a small part of the aggregation
// language, so these are simple bounded finds (a time window) reduced in process.

export interface DurationStats {
  count: number;
  meanMs: number | null;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface CsatStats {
  ratings: number;
  /** Mean score, 1-5. */
  average: number | null;
  /** Share of ratings of 4 or 5 (the usual CSAT figure), 0..1. */
  satisfiedRate: number | null;
}

export interface SupportMetrics {
  window: { since: string; until: string };
  /** Conversations started in the window with at least one customer message. */
  conversations: number;
  containment: { aiResolved: number; handedOff: number; rate: number | null };
  escalation: { rate: number | null; byReason: { reason: string; conversations: number; rate: number }[] };
  csat: { ai: CsatStats; human: CsatStats; byAgent: Record<string, CsatStats> };
  /** Per SLA target, from human tasks created in the window. */
  sla: { tasks: number; targets: Record<string, { hit: number; missed: number; hitRate: number | null }> };
  firstResponse: { ai: DurationStats; human: DurationStats };
  resolution: { ai: DurationStats; human: DurationStats };
  categoryPareto: ParetoRow[];
  /**
   * Per category, conversations resolved by the AI (never handed over), and the same split by
   * whether the AI called the business's systems (actions) in them.
   */
  aiResolutionByCategory: Array<{ category: string; all: ResolutionStats; withActions: ResolutionStats; withoutActions: ResolutionStats }>;
  feedback: { total: number; byType: Record<string, number>; byKind: Record<string, number> };
  /** Conversations about cancelling, by the customer's lifetime value. */
  retention: { band: string; conversations: number; cancellations: number; rate: number | null }[];
  /**
   * Quality of resolution over the window's conversations, overall, for the AI and per agent (per
   * handler: the conversations it resolved). Reopened: the same customer back about the same
   * category within `reopenWithinMs` of the resolution (`engagement.reopenWithinMs`, else 7 days).
   */
  quality: { reopenWithinMs: number; overall: QualitySummary; ai: QualitySummary; byAgent: Record<string, QualitySummary> };
  /** Proactive outreach in the window, by signal and outcome; CSAT of the conversations rated after an outreach reached them. */
  outreach: { total: number; bySignal: Record<string, number>; byOutcome: Record<string, number>; csatAfter: CsatStats };
}

export type QualitySummary = Omit<QualityFigures, 'resolutionTimesMs'> & { timeToResolution: DurationStats };

export interface ResolutionStats {
  conversations: number;
  aiResolved: number;
  rate: number | null;
}

/** The category whose conversations signal that a customer may leave. */
export const CANCELLATION_CATEGORY = 'cancellation';
const ID_CHUNK = 500;
const ROLES = ['customer', 'ai', 'agent', 'system'] as const;
const TASK_STATUSES = ['waiting', 'claimed', 'resolved'] as const;

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export function durationStats(values: number[]): DurationStats {
  if (values.length === 0) return { count: 0, meanMs: null, medianMs: null, p90Ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
  return { count: sorted.length, meanMs: Math.round(sorted.reduce((s, v) => s + v, 0) / sorted.length), medianMs: rank(0.5), p90Ms: rank(0.9) };
}

export function csatStats(scores: number[]): CsatStats {
  if (scores.length === 0) return { ratings: 0, average: null, satisfiedRate: null };
  return {
    ratings: scores.length,
    average: Math.round((scores.reduce((s, v) => s + v, 0) / scores.length) * 100) / 100,
    satisfiedRate: scores.filter((s) => s >= 4).length / scores.length,
  };
}

/** Lifetime-value bands around the configured high-value threshold. */
export function valueBand(lifetimeValue: number | null | undefined, highValueAt: number): string {
  if (lifetimeValue === null || lifetimeValue === undefined) return 'unknown';
  if (lifetimeValue >= highValueAt) return 'high';
  if (lifetimeValue >= highValueAt / 10) return 'medium';
  return 'low';
}

interface MessageRow {
  conversationId: string;
  role: string;
  at: Date;
  internal?: boolean | null;
  classification?: { category?: string | null } | null;
  action?: { name?: string | null } | null;
}

async function messagesOf(models: Models, conversationIds: string[]): Promise<Map<string, MessageRow[]>> {
  const byConversation = new Map<string, MessageRow[]>();
  for (let from = 0; from < conversationIds.length; from += ID_CHUNK) {
    const rows = await models.Message.find(
      { conversationId: { $in: conversationIds.slice(from, from + ID_CHUNK) } },
      { conversationId: 1, role: 1, at: 1, internal: 1, seq: 1, 'classification.category': 1, 'action.name': 1 },
    ).lean();
    for (const row of rows) {
      const list = byConversation.get(row.conversationId) ?? [];
      list.push({ ...row, at: new Date(row.at) });
      byConversation.set(row.conversationId, list);
    }
  }
  for (const list of byConversation.values()) list.sort((a, b) => a.at.getTime() - b.at.getTime());
  return byConversation;
}

export async function computeSupportMetrics(models: Models, opts: { since: Date; until: Date; config: SupportConfig }): Promise<SupportMetrics> {
  const window = { $gte: opts.since, $lte: opts.until };
  const [allConversations, tasks, feedback] = await Promise.all([
    models.Conversation.find(
      { createdAt: window },
      { status: 1, category: 1, escalationReasons: 1, handoffTaskIds: 1, rating: 1, customer: 1, customerId: 1, createdAt: 1 },
    ).lean(),
    models.Task.find({ createdAt: window }, { conversationId: 1, slaOutcomes: 1, createdAt: 1, resolvedAt: 1, status: 1, assignee: 1 }).lean(),
    models.Feedback.find({ createdAt: window }, { type: 1, kind: 1 }).lean(),
  ]);
  const messages = await messagesOf(models, allConversations.map((c) => c._id));
  const conversations = allConversations.filter((c) => (messages.get(c._id) ?? []).some((m) => m.role === 'customer'));
  const handedOff = (c: (typeof conversations)[number]): boolean => (c.handoffTaskIds?.length ?? 0) > 0 || (c.escalationReasons?.length ?? 0) > 0;
  const total = conversations.length;
  const escalated = conversations.filter(handedOff);

  const reasonCounts = countBy(escalated.flatMap((c) => [...new Set(c.escalationReasons ?? [])]));
  const byReason = [...reasonCounts.entries()]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([reason, count]) => ({ reason, conversations: count, rate: count / total }));

  const rated = conversations.filter((c) => typeof c.rating?.score === 'number');
  const scoresBy = (keep: (handler: string) => boolean): number[] =>
    rated.filter((c) => keep(c.rating?.handler ?? 'ai')).map((c) => c.rating?.score as number);
  const agents = [...new Set(rated.map((c) => c.rating?.handler ?? 'ai').filter((h) => h !== 'ai'))].sort();

  const targets: SupportMetrics['sla']['targets'] = {};
  for (const task of tasks) {
    for (const [target, outcome] of Object.entries(task.slaOutcomes ?? {})) {
      if (outcome !== 'hit' && outcome !== 'missed') continue;
      const entry = (targets[target] ??= { hit: 0, missed: 0, hitRate: null });
      entry[outcome] += 1;
    }
  }
  for (const entry of Object.values(targets)) entry.hitRate = ratio(entry.hit, entry.hit + entry.missed);

  const aiFirst: number[] = [];
  const aiResolution: number[] = [];
  for (const c of conversations) {
    const list = messages.get(c._id) ?? [];
    const firstCustomer = list.find((m) => m.role === 'customer');
    if (!firstCustomer) continue;
    const firstAi = list.find((m) => m.role === 'ai' && m.at >= firstCustomer.at);
    if (firstAi) aiFirst.push(firstAi.at.getTime() - firstCustomer.at.getTime());
    const lastAi = [...list].reverse().find((m) => m.role === 'ai');
    if (!handedOff(c) && lastAi && lastAi.at >= firstCustomer.at) aiResolution.push(lastAi.at.getTime() - firstCustomer.at.getTime());
  }
  const humanFirst: number[] = [];
  const humanResolution: number[] = [];
  for (const task of tasks) {
    const created = new Date(task.createdAt);
    const reply = (messages.get(task.conversationId) ?? []).find((m) => m.role === 'agent' && !m.internal && m.at >= created);
    if (reply) humanFirst.push(reply.at.getTime() - created.getTime());
    if (task.resolvedAt) humanResolution.push(new Date(task.resolvedAt).getTime() - created.getTime());
  }

  // Resolved by a person: the last of its tasks resolved. By the AI: closed, never handed over, at its last answer.
  const resolutions = new Map<string, { at: number; by: string }>();
  for (const task of tasks) {
    if (task.status !== 'resolved' || !task.resolvedAt) continue;
    const at = new Date(task.resolvedAt).getTime();
    if ((resolutions.get(task.conversationId)?.at ?? -Infinity) < at) resolutions.set(task.conversationId, { at, by: task.assignee ?? 'human' });
  }
  for (const c of conversations) {
    const lastAi = [...(messages.get(c._id) ?? [])].reverse().find((m) => m.role === 'ai');
    if (c.status === 'closed' && !handedOff(c) && lastAi) resolutions.set(c._id, { at: lastAi.at.getTime(), by: 'ai' });
  }
  const reopenWithinMs = engagementRulesOf(opts.config)?.reopenWithinMs ?? WEEK_MS;
  const [earlier, outreach] = await Promise.all([
    // Conversations just before the window: a first contact in it may be a repeat of one of them.
    models.Conversation.find({ createdAt: { $gte: new Date(opts.since.getTime() - reopenWithinMs), $lt: opts.since } }, { customerId: 1, category: 1, createdAt: 1 }).lean(),
    models.Outreach.find({ at: window }, { kind: 1, outcome: 1, conversationId: 1, at: 1 }).lean(),
  ]);
  const qualityRows: ResolutionRow[] = [...earlier, ...conversations].map((c) => ({
    conversationId: c._id,
    customerId: c.customerId,
    category: c.category ?? undefined,
    createdAt: new Date(c.createdAt).getTime(),
    resolvedAt: resolutions.get(c._id)?.at,
    resolvedBy: resolutions.get(c._id)?.by,
  }));
  const inWindow = new Set(conversations.map((c) => c._id));
  const quality = resolutionQuality(qualityRows, (row) => inWindow.has(row.conversationId), reopenWithinMs);
  const summary = ({ resolutionTimesMs, ...figures }: QualityFigures): QualitySummary => ({ ...figures, timeToResolution: durationStats(resolutionTimesMs) });
  const reached = outreach.filter((o) => o.outcome === 'outreach_task' || o.outcome === 'ai_message');
  const ratedAfterOutreach = rated.filter((c) =>
    reached.some((o) => o.conversationId === c._id && c.rating?.at !== undefined && c.rating?.at !== null && new Date(c.rating.at) >= new Date(o.at)),
  );

  const highValueAt = opts.config.escalation.highValue.lifetimeValueAtLeast;
  const bands = new Map<string, { conversations: number; cancellations: number }>();
  for (const c of conversations) {
    const band = valueBand(c.customer?.lifetimeValue, highValueAt);
    const entry = bands.get(band) ?? { conversations: 0, cancellations: 0 };
    entry.conversations += 1;
    const cancelling =
      c.category === CANCELLATION_CATEGORY ||
      (messages.get(c._id) ?? []).some((m) => m.role === 'customer' && m.classification?.category === CANCELLATION_CATEGORY);
    if (cancelling) entry.cancellations += 1;
    bands.set(band, entry);
  }

  return {
    window: { since: opts.since.toISOString(), until: opts.until.toISOString() },
    conversations: total,
    containment: { aiResolved: total - escalated.length, handedOff: escalated.length, rate: ratio(total - escalated.length, total) },
    escalation: { rate: ratio(escalated.length, total), byReason },
    csat: {
      ai: csatStats(scoresBy((h) => h === 'ai')),
      human: csatStats(scoresBy((h) => h !== 'ai')),
      byAgent: Object.fromEntries(agents.map((agent) => [agent, csatStats(scoresBy((h) => h === agent))])),
    },
    sla: { tasks: tasks.length, targets },
    firstResponse: { ai: durationStats(aiFirst), human: durationStats(humanFirst) },
    resolution: { ai: durationStats(aiResolution), human: durationStats(humanResolution) },
    categoryPareto: paretoTable(countBy(conversations.map((c) => c.category ?? 'uncategorised'))),
    aiResolutionByCategory: resolutionByCategory(
      conversations.map((c) => ({
        category: c.category ?? 'uncategorised',
        handedOff: handedOff(c),
        usedActions: (messages.get(c._id) ?? []).some((m) => Boolean(m.action?.name)),
      })),
    ),
    feedback: {
      total: feedback.length,
      byType: Object.fromEntries(countBy(feedback.map((f) => f.type))),
      byKind: Object.fromEntries(countBy(feedback.flatMap((f) => (f.kind ? [f.kind] : [])))),
    },
    retention: ['high', 'medium', 'low', 'unknown'].flatMap((band) => {
      const entry = bands.get(band);
      return entry ? [{ band, ...entry, rate: ratio(entry.cancellations, entry.conversations) }] : [];
    }),
    quality: {
      reopenWithinMs,
      overall: summary(quality.overall),
      ai: summary(quality.ai),
      byAgent: Object.fromEntries(Object.entries(quality.byAgent).map(([agent, figures]) => [agent, summary(figures)])),
    },
    outreach: {
      total: outreach.length,
      bySignal: Object.fromEntries(countBy(outreach.map((o) => o.kind))),
      byOutcome: Object.fromEntries(countBy(outreach.map((o) => o.outcome))),
      csatAfter: csatStats(ratedAfterOutreach.map((c) => c.rating?.score as number)),
    },
  };
}

/** AI resolution per category, most conversations first, overall and with and without actions. */
export function resolutionByCategory(
  rows: Array<{ category: string; handedOff: boolean; usedActions: boolean }>,
): SupportMetrics['aiResolutionByCategory'] {
  const stats = (list: typeof rows): ResolutionStats => {
    const aiResolved = list.filter((row) => !row.handedOff).length;
    return { conversations: list.length, aiResolved, rate: ratio(aiResolved, list.length) };
  };
  const byCategory = new Map<string, typeof rows>();
  for (const row of rows) byCategory.set(row.category, [...(byCategory.get(row.category) ?? []), row]);
  return [...byCategory.entries()]
    .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
    .map(([category, list]) => ({
      category,
      all: stats(list),
      withActions: stats(list.filter((row) => row.usedActions)),
      withoutActions: stats(list.filter((row) => !row.usedActions)),
    }));
}

/** Live counts for Prometheus gauges: each a cheap indexed count. */
export async function productCounts(models: Models) {
  const count = async <V extends string>(values: readonly V[], query: (value: V) => Promise<number>) =>
    Object.fromEntries(await Promise.all(values.map(async (v) => [v, await query(v)] as const)));
  const reasons = ((await models.Conversation.distinct('escalationReasons')) as unknown[]).filter((r): r is string => typeof r === 'string');
  const [conversationsByStatus, escalationsByReason, messagesByRole, tasksByStatus] = await Promise.all([
    count(['ai', 'handoff', 'closed'], (status) => models.Conversation.countDocuments({ status })),
    count(reasons, (reason) => models.Conversation.countDocuments({ escalationReasons: reason })),
    count(ROLES, (role) => models.Message.countDocuments({ role })),
    count(TASK_STATUSES, (status) => models.Task.countDocuments({ status })),
  ]);
  return { conversationsByStatus, escalationsByReason, messagesByRole, tasksByStatus };
}

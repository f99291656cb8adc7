import type { CategoryConfig } from '../config/schema';

// The Pareto view of support volume: categories by count, most frequent first, with each one's share
// and the running share. The "vital few" are the categories that make up the first 80% of volume.

export interface ParetoRow {
  category: string;
  count: number;
  /** Share of all items, in percent with one decimal; the rows' shares add up to exactly 100. */
  percent: number;
  /** Running share up to and including this row; the last row is 100. */
  cumulativePercent: number;
}

export interface AuditFindings {
  /** Informational categories among the vital few: the AI should answer these. */
  automationCandidates: ParetoRow[];
  /** Categories configured to go to a person, by volume: where people's time goes. */
  humanCentric: ParetoRow[];
}

/** The share of volume the vital few make up (the "80" of 80/20). */
export const VITAL_FEW_SHARE = 80;

/**
 * Rows sorted by count (ties by category id, so the table is stable). Shares are rounded to one
 * decimal by largest remainder, so they add up to 100 and the last cumulative share is 100.
 */
export function paretoTable(counts: ReadonlyMap<string, number> | Record<string, number>): ParetoRow[] {
  const entries = (counts instanceof Map ? [...counts.entries()] : Object.entries(counts)).filter(([, n]) => n > 0);
  entries.sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return [];

  // Work in tenths of a percent: 1000 units to share out.
  const exact = entries.map(([, n]) => (n * 1000) / total);
  const units = exact.map(Math.floor);
  let left = 1000 - units.reduce((sum, u) => sum + u, 0);
  const byRemainder = exact.map((value, i) => ({ i, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    units[i] = (units[i] ?? 0) + 1;
  }

  let running = 0;
  return entries.map(([category, count], i) => {
    running += units[i] ?? 0;
    return { category, count, percent: (units[i] ?? 0) / 10, cumulativePercent: running / 10 };
  });
}

/** Counts of each value, e.g. the category of every ticket. */
export function countBy(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The rows that together reach the vital-few share; the row that crosses it is included. */
export function vitalFew(rows: readonly ParetoRow[]): ParetoRow[] {
  const few: ParetoRow[] = [];
  for (const row of rows) {
    few.push(row);
    if (row.cumulativePercent >= VITAL_FEW_SHARE) break;
  }
  return few;
}

/** What the audit recommends, from the configured handling of each category. */
export function auditFindings(rows: readonly ParetoRow[], categories: readonly CategoryConfig[]): AuditFindings {
  const handling = new Map(categories.map((c) => [c.id, c.handling]));
  return {
    automationCandidates: vitalFew(rows).filter((row) => handling.get(row.category) === 'informational'),
    humanCentric: rows.filter((row) => handling.get(row.category) === 'human'),
  };
}

/** What a finished ticket audit found. */
export interface AuditSummary extends AuditFindings {
  total: number;
  categorised: number;
  pareto: ParetoRow[];
  /** Model versions that categorised the tickets. */
  modelVersions: string[];
  completedAt: string;
}

/** The summary of categorised items, from the category of each. */
export function summarizeAudit(
  categories: Iterable<string>,
  opts: { total: number; categoryConfig: readonly CategoryConfig[]; modelVersions: string[]; completedAt: string },
): AuditSummary {
  const counts = countBy(categories);
  const pareto = paretoTable(counts);
  return {
    total: opts.total,
    categorised: pareto.reduce((sum, row) => sum + row.count, 0),
    pareto,
    ...auditFindings(pareto, opts.categoryConfig),
    modelVersions: opts.modelVersions,
    completedAt: opts.completedAt,
  };
}

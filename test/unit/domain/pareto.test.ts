import defaultConfig from '../../../config/support.default.json';
import { supportConfigSchema } from '../../../config/schema';
import { auditFindings, countBy, paretoTable, vitalFew } from '../../../domain/pareto';

const config = supportConfigSchema.parse(defaultConfig);

describe('paretoTable', () => {
  it('when counts are given, then rows run from most to least frequent with running shares', () => {
    const rows = paretoTable({ billing: 20, order_status: 50, complaint: 30 });

    expect(rows.map((r) => [r.category, r.count, r.percent, r.cumulativePercent])).toEqual([
      ['order_status', 50, 50, 50],
      ['complaint', 30, 30, 80],
      ['billing', 20, 20, 100],
    ]);
  });

  it('when shares do not divide evenly, then they still add up to exactly 100 and end at 100', () => {
    const rows = paretoTable(countBy(['a', 'b', 'c', 'a', 'b', 'c', 'd']));

    const sum = rows.reduce((s, r) => s + r.percent * 10, 0) / 10;
    expect(sum).toBe(100);
    expect(rows.at(-1)?.cumulativePercent).toBe(100);
    expect(rows.map((r) => r.percent)).toEqual([28.6, 28.6, 28.5, 14.3]);
  });

  it('when counts tie, then categories are ordered by id so the table is stable', () => {
    expect(paretoTable({ zeta: 1, alpha: 1 }).map((r) => r.category)).toEqual(['alpha', 'zeta']);
  });

  it('when there is nothing to count, then the table is empty', () => {
    expect(paretoTable({})).toEqual([]);
    expect(paretoTable({ a: 0 })).toEqual([]);
  });
});

describe('auditFindings', () => {
  it('when informational categories make up the vital few, then they are automation candidates and human ones are listed apart', () => {
    const rows = paretoTable({ order_status: 400, billing: 250, how_to: 150, complaint: 100, cancellation: 60, feature_request: 40 });

    const findings = auditFindings(rows, config.categories);

    expect(vitalFew(rows).map((r) => r.category)).toEqual(['order_status', 'billing', 'how_to']);
    expect(findings.automationCandidates.map((r) => r.category)).toEqual(['order_status', 'billing', 'how_to']);
    expect(findings.humanCentric.map((r) => r.category)).toEqual(['complaint', 'cancellation']);
  });
});

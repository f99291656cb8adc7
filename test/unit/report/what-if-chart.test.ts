import { WHAT_IF_CHART_SIZE, whatIfChartPng, whatIfChartSvg } from '../../../report/what-if-chart';
import { pngSize } from '../../support/png-size';

const TOTALS = {
  conversations: 1000,
  containment: { before: 0.62, after: 0.7 },
  handoffsPerQueue: { before: { general: 300, billing: 80 }, after: { general: 220, billing: 80, complaints: 0 } },
  slaBreaches: { before: 12, after: 9 },
};

/** The bars of one side, queue by queue, as `queue side: count` titles. */
function barTitles(svg: string): string[] {
  return [...svg.matchAll(/<rect class="(?:before|after)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1] as string);
}

describe('the what-if chart', () => {
  it('when totals are drawn, then every queue of either side has a before and an after bar, and the subtitle says containment and breaches', () => {
    const svg = whatIfChartSvg(TOTALS, 'What-if: candidate.json');

    expect(barTitles(svg)).toEqual([
      'billing before: 80', 'billing after: 80',
      'complaints before: 0', 'complaints after: 0',
      'general before: 300', 'general after: 220',
    ]);
    expect(svg).toContain('containment 62.0% → 70.0% · SLA breaches 12 → 9');
  });

  it('when rendered to PNG, then it is a PNG of the chart size', () => {
    expect(pngSize(whatIfChartPng(TOTALS, 'x'))).toEqual(WHAT_IF_CHART_SIZE);
  });
});

import { paretoTable } from '../../../domain/pareto';
import { PARETO_CHART_SIZE, paretoChartPng, paretoChartSvg } from '../../../report/pareto-chart';
import { pngSize } from '../../support/png-size';

const ROWS = paretoTable({ order_status: 400, billing: 250, how_to: 150, complaint: 100, cancellation: 60, feature_request: 40 });

/** The category labels under the bars, left to right, as a reader sees them. */
function categoryLabels(svg: string): string[] {
  return [...svg.matchAll(/<text class="category"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] as string);
}

/** The bars' heights, left to right. */
function barHeights(svg: string): number[] {
  return [...svg.matchAll(/<g class="bar">\s*<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
}

describe('the Pareto chart as SVG', () => {
  it('when a Pareto table is drawn, then there is a bar per category, labelled, tallest first', () => {
    // Act
    const svg = paretoChartSvg(ROWS, 'Ticket audit: 1000 tickets');

    // Assert
    expect(categoryLabels(svg)).toEqual(['order_status', 'billing', 'how_to', 'complaint', 'cancellation', 'feature_request']);
    const heights = barHeights(svg);
    expect(heights).toHaveLength(6);
    expect(heights).toEqual([...heights].sort((a, b) => b - a));
    expect(svg).toContain('>Ticket audit: 1000 tickets</text>');
    expect(svg).toContain(`width="${PARETO_CHART_SIZE.width}" height="${PARETO_CHART_SIZE.height}"`);
  });

  it('when there are more than 16 categories, then the smallest share one bar named by how many they are', () => {
    // Arrange
    const rows = paretoTable(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${String(i).padStart(2, '0')}`, 100 - i])));

    // Act
    const labels = categoryLabels(paretoChartSvg(rows, 'many'));

    // Assert
    expect(labels).toHaveLength(16);
    expect(labels.slice(0, 3)).toEqual(['c00', 'c01', 'c02']);
    expect(labels.at(-1)).toBe('5 others');
  });

  it('when a category name or title holds markup characters or is long, then it is escaped and shortened, not broken', () => {
    // Act
    const svg = paretoChartSvg(paretoTable({ 'bills & <refunds>': 3, a_very_long_category_name_indeed: 1 }), 'Q&A <audit>');

    // Assert
    expect(categoryLabels(svg)).toEqual(['bills &#38; &#60;refunds&#62;', 'a_very_long_categ…']);
    expect(svg).toContain('>Q&#38;A &#60;audit&#62;</text>');
    expect(svg).not.toContain('<refunds>');
  });
});

describe('the Pareto chart as PNG', () => {
  it('when rendered, then it is a PNG of the documented size', () => {
    expect(pngSize(paretoChartPng(ROWS, 'Ticket audit: 1000 tickets'))).toEqual(PARETO_CHART_SIZE);
  });

  it('when the title differs, then the image differs: text is drawn in the bundled font, not dropped', () => {
    expect(paretoChartPng(ROWS, 'A').equals(paretoChartPng(ROWS, 'A longer title'))).toBe(false);
  });
});

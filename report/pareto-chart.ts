import type { ParetoRow } from '../domain/pareto';
import { FONT, GRID, INK, at, escapeXml, niceStep, svgToPng } from './svg';
import { VITAL_FEW_SHARE } from '../domain/pareto';

// The Pareto chart as SVG: a bar per category (count, left axis), the cumulative share as a line
// (right axis, 0-100%), and a dashed line at 80% marking the vital few. resvg renders it to PNG.

const WIDTH = 960;
const HEIGHT = 620;
const MARGIN = { left: 70, right: 70, top: 60, bottom: 160 };
const MAX_BARS = 16;
const MAX_LABEL_CHARS = 18;

const BAR = '#4272c4';
const LINE = '#e6781e';
const MARK = '#c83c3c';

export const PARETO_CHART_SIZE = { width: WIDTH, height: HEIGHT };

const PLOT = { x: MARGIN.left, y: MARGIN.top, w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
const BOTTOM = PLOT.y + PLOT.h;
const RIGHT = PLOT.x + PLOT.w;

/** Beyond MAX_BARS categories the smallest ones share one bar, so labels stay legible. */
function foldTail(rows: readonly ParetoRow[]): ParetoRow[] {
  if (rows.length <= MAX_BARS) return [...rows];
  const kept = rows.slice(0, MAX_BARS - 1);
  const rest = rows.slice(MAX_BARS - 1);
  const last = rest.at(-1) as ParetoRow;
  const percent = Math.round(rest.reduce((sum, r) => sum + r.percent, 0) * 10) / 10;
  return [...kept, { category: `${rest.length} others`, count: rest.reduce((sum, r) => sum + r.count, 0), percent, cumulativePercent: last.cumulativePercent }];
}


export function paretoChartSvg(rows: readonly ParetoRow[], title: string): string {
  const bars = foldTail(rows);
  const maxCount = Math.max(1, ...bars.map((b) => b.count));
  const step = niceStep(maxCount);
  const top = Math.ceil(maxCount / step) * step;
  const yForCount = (count: number): number => at(BOTTOM - (count / top) * PLOT.h);
  const yForPercent = (percent: number): number => at(BOTTOM - (percent / 100) * PLOT.h);

  const countTicks = Array.from({ length: top / step + 1 }, (_, i) => i * step).map(
    (value) =>
      `<line x1="${PLOT.x}" x2="${RIGHT}" y1="${yForCount(value)}" y2="${yForCount(value)}" stroke="${GRID}"/>` +
      `<text x="${PLOT.x - 8}" y="${yForCount(value)}" text-anchor="end" dominant-baseline="middle">${value}</text>`,
  );
  const percentTicks = [0, 20, 40, 60, 80, 100].map(
    (percent) => `<text x="${RIGHT + 8}" y="${yForPercent(percent)}" dominant-baseline="middle" fill="${LINE}">${percent}%</text>`,
  );

  const slot = PLOT.w / Math.max(1, bars.length);
  const barWidth = Math.max(4, Math.floor(slot * 0.7));
  const centreOf = (i: number): number => at(PLOT.x + i * slot + slot / 2);
  const barMarks = bars.map((bar, i) => {
    const x = centreOf(i);
    const y = yForCount(bar.count);
    const label = bar.category.length > MAX_LABEL_CHARS ? `${bar.category.slice(0, MAX_LABEL_CHARS - 1)}…` : bar.category;
    return `<g class="bar">
    <rect x="${at(x - barWidth / 2)}" y="${y}" width="${barWidth}" height="${at(BOTTOM - y)}" fill="${BAR}"><title>${escapeXml(bar.category)}: ${bar.count} (${bar.percent}%)</title></rect>
    <text x="${x}" y="${y - 6}" text-anchor="middle">${bar.count}</text>
    <text class="category" transform="translate(${x} ${BOTTOM + 12}) rotate(-60)" text-anchor="end" font-size="13">${escapeXml(label)}</text>
  </g>`;
  });
  const cumulative = bars.map((bar, i) => ({ x: centreOf(i), y: yForPercent(bar.cumulativePercent) }));

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}" font-size="12" fill="${INK}">
  <rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>
  <text x="${WIDTH / 2}" y="32" text-anchor="middle" font-size="20" font-weight="bold">${escapeXml(title)}</text>
  <text x="${PLOT.x}" y="${PLOT.y - 14}" text-anchor="middle">Tickets</text>
  <text x="${RIGHT}" y="${PLOT.y - 14}" text-anchor="middle" fill="${LINE}">Cumulative</text>
  ${countTicks.join('\n  ')}
  ${percentTicks.join('\n  ')}
  ${barMarks.join('\n  ')}
  <line class="vital-few" x1="${PLOT.x}" x2="${RIGHT}" y1="${yForPercent(VITAL_FEW_SHARE)}" y2="${yForPercent(VITAL_FEW_SHARE)}" stroke="${MARK}" stroke-dasharray="6 6"/>
  <path d="M${PLOT.x} ${PLOT.y}V${BOTTOM}H${RIGHT}V${PLOT.y}" fill="none" stroke="${INK}"/>
  <polyline class="cumulative" points="${cumulative.map(({ x, y }) => `${x},${y}`).join(' ')}" fill="none" stroke="${LINE}" stroke-width="2"/>
  ${cumulative.map(({ x, y }) => `<circle cx="${x}" cy="${y}" r="3.5" fill="${LINE}"/>`).join('')}
</svg>
`;
}

/** The same chart as PNG. */
export function paretoChartPng(rows: readonly ParetoRow[], title: string): Buffer {
  return svgToPng(paretoChartSvg(rows, title));
}

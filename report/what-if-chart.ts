import type { WhatIfTotals } from '../domain/what-if';
import { FONT, GRID, INK, at, escapeXml, niceStep, svgToPng } from './svg';

// The what-if as a chart: handoffs per queue before and after side by side, with containment and
// SLA breaches before and after in the subtitle.

const WIDTH = 960;
const HEIGHT = 520;
const MARGIN = { left: 70, right: 30, top: 90, bottom: 90 };
const BEFORE = '#9aa5b1';
const AFTER = '#4272c4';
const PLOT = { x: MARGIN.left, y: MARGIN.top, w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
const BOTTOM = PLOT.y + PLOT.h;

export const WHAT_IF_CHART_SIZE = { width: WIDTH, height: HEIGHT };

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

export function whatIfChartSvg(totals: WhatIfTotals, title: string): string {
  const { before, after } = totals.handoffsPerQueue;
  const queues = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const maxCount = Math.max(1, ...queues.flatMap((q) => [before[q] ?? 0, after[q] ?? 0]));
  const step = niceStep(maxCount);
  const top = Math.ceil(maxCount / step) * step;
  const yFor = (count: number): number => at(BOTTOM - (count / top) * PLOT.h);
  const ticks = Array.from({ length: top / step + 1 }, (_, i) => i * step).map(
    (value) =>
      `<line x1="${PLOT.x}" x2="${PLOT.x + PLOT.w}" y1="${yFor(value)}" y2="${yFor(value)}" stroke="${GRID}"/>` +
      `<text x="${PLOT.x - 8}" y="${yFor(value)}" text-anchor="end" dominant-baseline="middle">${value}</text>`,
  );
  const slot = PLOT.w / Math.max(1, queues.length);
  const barWidth = Math.max(4, Math.floor(slot * 0.3));
  const groups = queues.map((queue, i) => {
    const centre = PLOT.x + i * slot + slot / 2;
    const bar = (count: number, x: number, fill: string, side: string) =>
      `<rect class="${side}" x="${at(x)}" y="${yFor(count)}" width="${barWidth}" height="${at(BOTTOM - yFor(count))}" fill="${fill}"><title>${escapeXml(queue)} ${side}: ${count}</title></rect>` +
      `<text x="${at(x + barWidth / 2)}" y="${yFor(count) - 6}" text-anchor="middle">${count}</text>`;
    return `<g class="queue">
    ${bar(before[queue] ?? 0, centre - barWidth - 2, BEFORE, 'before')}
    ${bar(after[queue] ?? 0, centre + 2, AFTER, 'after')}
    <text x="${at(centre)}" y="${BOTTOM + 20}" text-anchor="middle" font-size="13">${escapeXml(queue)}</text>
  </g>`;
  });
  const subtitle =
    `${totals.conversations} conversations · containment ${percent(totals.containment.before)} → ${percent(totals.containment.after)}` +
    ` · SLA breaches ${totals.slaBreaches.before} → ${totals.slaBreaches.after}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}" font-size="12" fill="${INK}">
  <rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>
  <text x="${WIDTH / 2}" y="32" text-anchor="middle" font-size="20" font-weight="bold">${escapeXml(title)}</text>
  <text x="${WIDTH / 2}" y="56" text-anchor="middle" font-size="13">${escapeXml(subtitle)}</text>
  <text x="${PLOT.x}" y="${PLOT.y - 14}" text-anchor="middle">Handoffs</text>
  ${ticks.join('\n  ')}
  ${groups.join('\n  ')}
  <path d="M${PLOT.x} ${PLOT.y}V${BOTTOM}H${PLOT.x + PLOT.w}" fill="none" stroke="${INK}"/>
  <rect x="${PLOT.x + PLOT.w - 190}" y="${HEIGHT - 34}" width="12" height="12" fill="${BEFORE}"/><text x="${PLOT.x + PLOT.w - 172}" y="${HEIGHT - 24}">active</text>
  <rect x="${PLOT.x + PLOT.w - 110}" y="${HEIGHT - 34}" width="12" height="12" fill="${AFTER}"/><text x="${PLOT.x + PLOT.w - 92}" y="${HEIGHT - 24}">candidate</text>
</svg>
`;
}

export function whatIfChartPng(totals: WhatIfTotals, title: string): Buffer {
  return svgToPng(whatIfChartSvg(totals, title));
}

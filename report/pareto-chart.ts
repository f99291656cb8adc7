import type { ParetoRow } from '../domain/pareto';
import { VITAL_FEW_SHARE } from '../domain/pareto';
import { GLYPH_HEIGHT, drawText, textWidth } from './font';
import { Canvas, type Rgb } from './png';

// The Pareto chart as a PNG: a bar per category (count, left axis), the cumulative share as a line
// (right axis, 0-100%), and a dashed line at 80% marking the vital few.

const WIDTH = 960;
const HEIGHT = 620;
const MARGIN = { left: 70, right: 70, top: 60, bottom: 230 };
const MAX_BARS = 16;
const MAX_LABEL_CHARS = 18;

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const BAR: Rgb = [66, 114, 196];
const LINE: Rgb = [230, 120, 30];
const MARK: Rgb = [200, 60, 60];

export const PARETO_CHART_SIZE = { width: WIDTH, height: HEIGHT };

/** Beyond MAX_BARS categories the smallest ones share one bar, so labels stay legible. */
function foldTail(rows: readonly ParetoRow[]): ParetoRow[] {
  if (rows.length <= MAX_BARS) return [...rows];
  const kept = rows.slice(0, MAX_BARS - 1);
  const rest = rows.slice(MAX_BARS - 1);
  const last = rest.at(-1) as ParetoRow;
  const percent = Math.round(rest.reduce((sum, r) => sum + r.percent, 0) * 10) / 10;
  return [...kept, { category: `${rest.length} others`, count: rest.reduce((sum, r) => sum + r.count, 0), percent, cumulativePercent: last.cumulativePercent }];
}

/** A round step for about five gridlines up to `max`. */
function niceStep(max: number): number {
  const rough = Math.max(1, max / 5);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return step ?? 10 * power;
}

export function renderParetoChart(rows: readonly ParetoRow[], title: string): Buffer {
  const canvas = new Canvas(WIDTH, HEIGHT);
  const bars = foldTail(rows);
  const plot = { x: MARGIN.left, y: MARGIN.top, w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
  const bottom = plot.y + plot.h;

  drawText(canvas, title, (WIDTH - textWidth(title, 2)) / 2, 18, { color: INK, scale: 2 });

  const maxCount = Math.max(1, ...bars.map((b) => b.count));
  const step = niceStep(maxCount);
  const top = Math.ceil(maxCount / step) * step;
  const yForCount = (count: number): number => bottom - (count / top) * plot.h;
  const yForPercent = (percent: number): number => bottom - (percent / 100) * plot.h;

  for (let value = 0; value <= top; value += step) {
    const y = yForCount(value);
    canvas.fillRect(plot.x, y, plot.w, 1, GRID);
    const label = String(value);
    drawText(canvas, label, plot.x - 8 - textWidth(label), y - GLYPH_HEIGHT / 2, { color: INK });
  }
  for (let percent = 0; percent <= 100; percent += 20) {
    drawText(canvas, `${percent}%`, plot.x + plot.w + 8, yForPercent(percent) - GLYPH_HEIGHT / 2, { color: LINE });
  }
  drawText(canvas, 'TICKETS', plot.x - 60, plot.y - 22, { color: INK });
  drawText(canvas, 'CUMULATIVE', plot.x + plot.w - 20, plot.y - 22, { color: LINE });

  const slot = plot.w / Math.max(1, bars.length);
  const barWidth = Math.max(4, Math.floor(slot * 0.7));
  const points: { x: number; y: number }[] = [];
  bars.forEach((bar, i) => {
    const x = plot.x + i * slot + (slot - barWidth) / 2;
    const y = yForCount(bar.count);
    canvas.fillRect(x, y, barWidth, bottom - y, BAR);
    const count = String(bar.count);
    drawText(canvas, count, x + (barWidth - textWidth(count)) / 2, y - GLYPH_HEIGHT - 4, { color: INK });
    const label = bar.category.length > MAX_LABEL_CHARS ? `${bar.category.slice(0, MAX_LABEL_CHARS - 1)}.` : bar.category;
    drawText(canvas, label, x + barWidth / 2 - GLYPH_HEIGHT, bottom + 10 + textWidth(label, 2), { color: INK, scale: 2, vertical: true });
    points.push({ x: x + barWidth / 2, y: yForPercent(bar.cumulativePercent) });
  });

  // The 80% line, dashed.
  const markY = yForPercent(VITAL_FEW_SHARE);
  for (let x = plot.x; x < plot.x + plot.w; x += 12) canvas.fillRect(x, markY, 6, 1, MARK);

  canvas.fillRect(plot.x, plot.y, 1, plot.h + 1, INK);
  canvas.fillRect(plot.x + plot.w, plot.y, 1, plot.h + 1, INK);
  canvas.fillRect(plot.x, bottom, plot.w + 1, 1, INK);

  points.forEach((p, i) => {
    const previous = points[i - 1];
    if (previous) canvas.line(previous.x, previous.y, p.x, p.y, LINE, 2);
    canvas.fillRect(p.x - 3, p.y - 3, 7, 7, LINE);
  });
  return canvas.toPng();
}

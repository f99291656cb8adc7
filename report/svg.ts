import { Resvg } from '@resvg/resvg-js';

// What every chart shares: ink, grid and font, value steps, escaping, and the PNG renderer.

export const INK = '#282828';
export const GRID = '#e1e1e1';
// DejaVu Sans first: the font the PNG is drawn with; a browser showing the SVG takes what it has.
export const FONT = "'DejaVu Sans', Helvetica, Arial, sans-serif";
// resvg silently drops text it has no font for, and the Docker image has no system fonts: the font
// comes with the code, so every machine draws the labels, and draws them the same.
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));

/** A round step for about five gridlines up to `max`. */
export function niceStep(max: number): number {
  const rough = Math.max(1, max / 5);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return step ?? 10 * power;
}

/** Category names and titles come from configuration and uploads: escape them. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Coordinates to a tenth of a pixel, so the SVG stays small and readable. */
export const at = (value: number): number => Math.round(value * 10) / 10;

/** Renders an SVG chart to PNG with the bundled font. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

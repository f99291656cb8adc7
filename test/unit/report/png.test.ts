import { inflateSync } from 'node:zlib';
import { crc32, encodePng, pngSize, Canvas } from '../../../report/png';
import { renderParetoChart, PARETO_CHART_SIZE } from '../../../report/pareto-chart';
import { paretoTable } from '../../../domain/pareto';

/** The chunks of a PNG file, checking every CRC on the way. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const found: { type: string; data: Buffer }[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    found.push({ type, data });
    at += 12 + length;
  }
  return found;
}

describe('encodePng', () => {
  it('when given RGB pixels, then it writes a valid PNG whose pixels read back unchanged', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

    const png = encodePng(2, 2, rgb);

    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual({ width: 2, height: 2 });
    const parts = chunks(png);
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = inflateSync(parts[1]!.data);
    expect([...raw]).toEqual([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30]);
  });

  it('when the crc of a known string is taken, then it matches the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('when the pixel buffer does not fit the size, then it refuses', () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(RangeError);
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(RangeError);
  });

  it('when bytes are not a PNG, then pngSize says so', () => {
    expect(pngSize(Buffer.from('not a png at all, really not'))).toBeUndefined();
  });
});

describe('Canvas and the Pareto chart', () => {
  it('when a rectangle is drawn past the edge, then it is clipped', () => {
    const canvas = new Canvas(3, 3, [0, 0, 0]);
    canvas.fillRect(2, 2, 5, 5, [9, 9, 9]);
    expect([...canvas.pixels.subarray(24, 27)]).toEqual([9, 9, 9]);
    expect([...canvas.pixels.subarray(0, 3)]).toEqual([0, 0, 0]);
  });

  it('when a Pareto table is rendered, then the chart is a PNG of the documented size with bars drawn', () => {
    const rows = paretoTable({ order_status: 400, billing: 250, how_to: 150, complaint: 100, cancellation: 60, feature_request: 40 });

    const png = renderParetoChart(rows, 'Ticket audit: 1000 tickets');

    expect(pngSize(png)).toEqual(PARETO_CHART_SIZE);
    const pixels = inflateSync(chunks(png)[1]!.data);
    const barBlue = [66, 114, 196];
    let bluePixels = 0;
    for (let i = 0; i + 2 < pixels.length; i++) if (pixels[i] === barBlue[0] && pixels[i + 1] === barBlue[1] && pixels[i + 2] === barBlue[2]) bluePixels++;
    expect(bluePixels).toBeGreaterThan(1000);
  });
});

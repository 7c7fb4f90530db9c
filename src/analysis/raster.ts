// A minimal RGB raster for plots: rectangles, lines, pixels and a 3×5 pixel font for numbers,
// encoded as PNG by pngjs. Main thread; allocates.

import { PNG } from 'pngjs';

export type Rgb = readonly [number, number, number];

/** 3×5 glyphs, rows top to bottom, 3 bits each (4 = left pixel). */
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 1, 1], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0], '.': [0, 0, 0, 0, 2], k: [4, 5, 6, 5, 5], s: [0, 3, 6, 1, 6], ' ': [0, 0, 0, 0, 0],
};

export class Raster {
  readonly data: Buffer;

  constructor(readonly width: number, readonly height: number, background: Rgb) {
    this.data = Buffer.alloc(width * height * 4);
    this.fill(0, 0, width, height, background);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
    this.data[o + 3] = 255;
  }

  fill(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.max(0, Math.round(y)); j < Math.min(this.height, Math.round(y + h)); j++) {
      for (let i = Math.max(0, Math.round(x)); i < Math.min(this.width, Math.round(x + w)); i++) this.set(i, j, c);
    }
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) this.set(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, c);
  }

  /** Draws `text` (digits, '-', '.', 'k', 's') with its top-left at (x, y), `scale` pixels per dot. */
  text(x: number, y: number, text: string, c: Rgb, scale = 2): void {
    let cx = x;
    for (const ch of text) {
      const rows = GLYPHS[ch];
      if (rows !== undefined) {
        rows.forEach((bits, row) => {
          for (let col = 0; col < 3; col++) if (bits & (4 >> col)) this.fill(cx + col * scale, y + row * scale, scale, scale, c);
        });
      }
      cx += 4 * scale;
    }
  }

  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    this.data.copy(png.data);
    return PNG.sync.write(png);
  }
}

/** A perceptually ordered dark-blue → magenta → yellow ramp for t in [0, 1]. */
export function heat(t: number): Rgb {
  const u = Math.max(0, Math.min(1, t));
  const stops: Rgb[] = [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164]];
  const pos = u * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i]!, b = stops[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

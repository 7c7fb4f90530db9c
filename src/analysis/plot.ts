// plotAudio: one PNG with the waveform (min/max per pixel column, each channel), a spectrogram
// (2048-point Hann STFT of the mono mix, log frequency 20 Hz … Nyquist, −100 … 0 dB), and the
// loudness over time (BS.1770 momentary in grey and short-term in orange, −60 … 0 LUFS).
// Grid: a vertical line every second (labelled), 100 Hz / 1 kHz / 10 kHz lines on the
// spectrogram, every 10 LU on the loudness panel (labelled). Main thread; allocates.

import { writeFileSync } from 'node:fs';
import { measureLoudness } from './loudness.js';
import { mixToMono } from './math.js';
import { Raster, heat, type Rgb } from './raster.js';
import { Stft } from './stft.js';
import type { AudioInput } from './types.js';

export const PLOT_WIDTH = 1200;
const MARGIN = 40;
const WAVE_H = 200;
const SPEC_H = 300;
const LOUD_H = 160;
const GAP = 20;
export const PLOT_HEIGHT = MARGIN + WAVE_H + GAP + SPEC_H + GAP + LOUD_H + MARGIN;
const BG: Rgb = [16, 16, 20];
const GRID: Rgb = [60, 60, 70];
const LABEL: Rgb = [170, 170, 180];
const WAVE: Rgb[] = [[90, 200, 250], [250, 160, 90], [160, 250, 120], [230, 120, 230]];

/** Renders the picture and returns the PNG bytes. */
export function plotAudioPng(input: AudioInput): Buffer {
  const { channels, sampleRate } = input;
  const frames = channels[0]?.length ?? 0;
  const seconds = frames / sampleRate;
  const img = new Raster(PLOT_WIDTH, PLOT_HEIGHT, BG);
  const x0 = MARGIN;
  const w = PLOT_WIDTH - 2 * MARGIN;
  const colX = (t: number): number => x0 + (seconds > 0 ? (t / seconds) * w : 0);
  const tops = { wave: MARGIN, spec: MARGIN + WAVE_H + GAP, loud: MARGIN + WAVE_H + GAP + SPEC_H + GAP };
  // Time grid.
  for (let s = 0; s <= seconds; s++) {
    const x = colX(s);
    img.line(x, tops.wave, x, tops.loud + LOUD_H, GRID);
    img.text(x + 2, tops.loud + LOUD_H + 6, `${s}s`, LABEL);
  }
  drawWaveform(img, channels, x0, tops.wave, w, WAVE_H);
  drawSpectrogram(img, mixToMono(channels), sampleRate, x0, tops.spec, w, SPEC_H);
  drawLoudness(img, input, x0, tops.loud, w, LOUD_H, colX);
  return img.toPng();
}

export function plotAudio(input: AudioInput, outPath: string): void {
  writeFileSync(outPath, plotAudioPng(input));
}

function drawWaveform(img: Raster, channels: readonly Float32Array[], x0: number, top: number, w: number, h: number): void {
  const lane = h / channels.length;
  channels.forEach((x, c) => {
    const mid = top + lane * (c + 0.5);
    img.line(x0, mid, x0 + w, mid, GRID);
    const per = x.length / w;
    for (let col = 0; col < w; col++) {
      let lo = 0, hi = 0;
      for (let i = Math.floor(col * per); i < Math.min(x.length, Math.floor((col + 1) * per) + 1); i++) {
        const v = Number.isFinite(x[i]!) ? Math.max(-1, Math.min(1, x[i]!)) : 0;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      img.line(x0 + col, mid - (hi * lane) / 2, x0 + col, mid - (lo * lane) / 2, WAVE[c % WAVE.length]!);
    }
  });
}

function drawSpectrogram(img: Raster, mono: Float32Array, sampleRate: number, x0: number, top: number, w: number, h: number): void {
  const size = 2048;
  const stft = new Stft(size);
  const mags = new Float64Array(size / 2 + 1);
  const binHz = sampleRate / size;
  const fLo = 20;
  const fHi = sampleRate / 2;
  const rowHz = (row: number): number => fLo * (fHi / fLo) ** (1 - row / (h - 1));
  for (let col = 0; col < w; col++) {
    const centre = Math.round(((col + 0.5) / w) * mono.length);
    stft.magnitudes(mono, centre - size / 2, mags);
    for (let row = 0; row < h; row++) {
      // The strongest bin between this row's frequency and the next (upper rows span many bins).
      const a = Math.max(1, Math.floor(rowHz(row + 0.5) / binHz));
      const b = Math.min(mags.length - 1, Math.max(a, Math.ceil(rowHz(row - 0.5) / binHz)));
      let m = 0;
      for (let k = a; k <= b; k++) m = Math.max(m, mags[k]!);
      const db = 20 * Math.log10(m + 1e-12);
      img.set(x0 + col, top + row, heat((db + 100) / 100));
    }
  }
  for (const f of [100, 1000, 10000]) {
    if (f >= fHi) continue;
    const row = (1 - Math.log(f / fLo) / Math.log(fHi / fLo)) * (h - 1);
    for (let x = x0; x < x0 + w; x += 4) img.set(x, top + row, GRID);
    img.text(2, top + row - 5, f >= 1000 ? `${f / 1000}k` : `${f}`, LABEL);
  }
}

function drawLoudness(img: Raster, input: AudioInput, x0: number, top: number, w: number, h: number, colX: (t: number) => number): void {
  const loud = measureLoudness(input.channels, input.sampleRate);
  const y = (lufs: number): number => top + (Math.max(-60, Math.min(0, lufs)) / -60) * h;
  for (let l = 0; l >= -60; l -= 10) {
    img.line(x0, y(l), x0 + w, y(l), GRID);
    img.text(2, y(l) - 5, `${l}`, LABEL);
  }
  const curve = (values: ReadonlyArray<number | null>, window: number, c: Rgb): void => {
    let prev: [number, number] | undefined;
    values.forEach((v, i) => {
      const t = window + i * loud.stepSeconds;
      if (v === null || v < -60) {
        prev = undefined;
        return;
      }
      const p: [number, number] = [colX(t), y(v)];
      if (prev !== undefined) img.line(prev[0], prev[1], p[0], p[1], c);
      else img.set(p[0], p[1], c);
      prev = p;
    });
  };
  curve(loud.momentary, 0.4, [150, 150, 160]);
  curve(loud.shortTerm, 3, [255, 150, 40]);
}

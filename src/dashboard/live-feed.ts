// The dashboard's live audio frame: what the page draws many times a second (scopes, spectra,
// meters, loudness, clip), computed once per tick on the main thread from the output history
// (what the sink played, output-taps.ts) and the module tap, and sent as one binary WebSocket
// frame to every page. Nothing here touches the audio path: it reads shared rings the output
// worker and the slots fill without ever waiting for it.
//
// Frame layout (little endian), FRAME_KIND_AUDIO:
//   0  u8  kind (1)            1  u8 flags (bit 0: left clipped, bit 1: right clipped, bit 2: tap present)
//   4  u32 scope length S      8  u32 spectrum bins B      12 u32 tap length T (0 or S)
//   16 f64 frame at the end of the scope (sink frames)
//   24 f32 peak L, peak R, RMS L, RMS R (linear, since the last frame), short-term LUFS (−200: silence)
//   44 f32 sample rate        48..55 reserved
//   56 i16 scope L [S], scope R [S], tap [T]  (× 1/32767)
//   then u8 spectrum of the master [B], of the tap [B if T > 0]  (2 per dB above SPECTRUM_FLOOR_DB)
//
// Threading: main thread; `frame` allocates its Buffer (one per tick, shared by all pages).

import type { OutputHistory } from '../runtime/output-taps.js';
import { ShortTermLoudness } from './loudness.js';
import { Spectrum } from './spectrum.js';

export const FRAME_KIND_AUDIO = 1;
export const SCOPE_LENGTH = 512;
export const FFT_SIZE = 2048;
const HEADER_BYTES = 56;
/** Samples at or beyond this magnitude count as clipped (full scale, within float rounding). */
export const CLIP_LEVEL = 0.9999;
/** Longest stretch followed block by block between two ticks (a longer stall skips ahead). */
const FOLLOW_SECONDS = 1;

/** What the feed reads (the Supervisor has it all). */
export interface FeedSource {
  readonly config: { readonly sampleRate: number; readonly blockSize: number };
  readonly history: OutputHistory;
  /** The tapped module output of the last `frames` frames played into `into`; frames copied (0: none). */
  readTap(frames: number, into: Float32Array): number;
}

export interface FeedFigures {
  readonly peak: readonly [number, number];
  readonly rms: readonly [number, number];
  readonly lufs: number;
  readonly clipped: readonly [boolean, boolean];
}

export class LiveFeed {
  private readonly loudness: ShortTermLoudness;
  private readonly spectrum = new Spectrum(FFT_SIZE);
  private readonly left = new Float32Array(FFT_SIZE);
  private readonly right = new Float32Array(FFT_SIZE);
  private readonly tap = new Float32Array(FFT_SIZE);
  private readonly newLeft: Float32Array;
  private readonly newRight: Float32Array;
  private readonly bins = new Uint8Array(FFT_SIZE / 2);
  private readonly tapBins = new Uint8Array(FFT_SIZE / 2);
  /** Next block to follow (meters and loudness see every block once). */
  private next: number | undefined;
  /** The figures of the last frame (tests and the benchmark read them). */
  last: FeedFigures = { peak: [0, 0], rms: [0, 0], lufs: Number.NEGATIVE_INFINITY, clipped: [false, false] };

  constructor(private readonly supervisor: FeedSource) {
    const { sampleRate, blockSize } = supervisor.config;
    this.loudness = new ShortTermLoudness(sampleRate, blockSize);
    const frames = Math.ceil((FOLLOW_SECONDS * sampleRate) / blockSize) * blockSize;
    this.newLeft = new Float32Array(frames);
    this.newRight = new Float32Array(frames);
  }

  /** Follows the output since the last call and builds the frame for this instant. */
  frame(withTap: boolean): Buffer {
    const history = this.supervisor.history;
    const { sampleRate, blockSize } = this.supervisor.config;
    const written = history.written;
    const got = history.readRange(this.next ?? written, written, this.newLeft, this.newRight);
    this.next = got.endBlock;
    const figures = this.measure(got.frames, blockSize);
    const view = history.readLast(FFT_SIZE, this.left, this.right);
    const have = view.frames;
    if (have < FFT_SIZE) {
      // Early on: right-align what there is over silence.
      this.left.copyWithin(FFT_SIZE - have, 0, have).fill(0, 0, FFT_SIZE - have);
      this.right.copyWithin(FFT_SIZE - have, 0, have).fill(0, 0, FFT_SIZE - have);
    }
    this.spectrum.analyse(this.left, 0, this.bins, this.right);
    const tapFrames = withTap ? this.supervisor.readTap(FFT_SIZE, this.tap) : 0;
    const tapLength = tapFrames >= FFT_SIZE ? SCOPE_LENGTH : 0;
    if (tapLength > 0) this.spectrum.analyse(this.tap, 0, this.tapBins);
    const start = triggerStart(this.left, this.right);
    const bins = FFT_SIZE / 2;
    const bytes = HEADER_BYTES + 2 * (2 * SCOPE_LENGTH + tapLength) + bins * (tapLength > 0 ? 2 : 1);
    const buffer = Buffer.alloc(bytes);
    buffer.writeUInt8(FRAME_KIND_AUDIO, 0);
    buffer.writeUInt8((figures.clipped[0] ? 1 : 0) | (figures.clipped[1] ? 2 : 0) | (tapLength > 0 ? 4 : 0), 1);
    buffer.writeUInt32LE(SCOPE_LENGTH, 4);
    buffer.writeUInt32LE(bins, 8);
    buffer.writeUInt32LE(tapLength, 12);
    buffer.writeDoubleLE((view.endBlock - (FFT_SIZE - start - SCOPE_LENGTH) / blockSize) * blockSize, 16);
    const f32 = [figures.peak[0], figures.peak[1], figures.rms[0], figures.rms[1], Number.isFinite(figures.lufs) ? figures.lufs : -200, sampleRate];
    f32.forEach((v, k) => buffer.writeFloatLE(v, 24 + 4 * k));
    let at = HEADER_BYTES;
    at = writeInt16(buffer, at, this.left, start);
    at = writeInt16(buffer, at, this.right, start);
    if (tapLength > 0) at = writeInt16(buffer, at, this.tap, FFT_SIZE - SCOPE_LENGTH);
    buffer.set(this.bins, at);
    if (tapLength > 0) buffer.set(this.tapBins, at + bins);
    return buffer;
  }

  /** Meters and loudness over the `frames` new frames in newLeft/newRight. */
  private measure(frames: number, blockSize: number): FeedFigures {
    const l = this.newLeft;
    const r = this.newRight;
    let peakL = 0, peakR = 0, sumL = 0, sumR = 0;
    let clipL = false, clipR = false;
    for (let i = 0; i < frames; i++) {
      const a = Math.abs(l[i]!);
      const b = Math.abs(r[i]!);
      if (a > peakL) peakL = a;
      if (b > peakR) peakR = b;
      sumL += a * a;
      sumR += b * b;
    }
    if (peakL >= CLIP_LEVEL) clipL = true;
    if (peakR >= CLIP_LEVEL) clipR = true;
    for (let at = 0; at < frames; at += blockSize) this.loudness.push(l, r, at, blockSize);
    const n = Math.max(1, frames);
    this.last = {
      peak: [peakL, peakR],
      rms: [Math.sqrt(sumL / n), Math.sqrt(sumR / n)],
      lufs: frames === 0 ? this.last.lufs : this.loudness.shortTerm,
      clipped: [clipL, clipR],
    };
    return this.last;
  }
}

/**
 * Where the scope window starts: the latest rising zero crossing of the mid signal that leaves
 * a whole window after it (a steady picture of periodic signals), else the latest window.
 */
export function triggerStart(left: Float32Array, right: Float32Array): number {
  const latest = left.length - SCOPE_LENGTH;
  for (let i = latest; i > latest - SCOPE_LENGTH && i > 0; i--) {
    if (left[i - 1]! + right[i - 1]! < 0 && left[i]! + right[i]! >= 0) return i;
  }
  return latest;
}

function writeInt16(buffer: Buffer, at: number, x: Float32Array, start: number): number {
  for (let i = 0; i < SCOPE_LENGTH; i++) {
    const v = Math.round(Math.max(-1, Math.min(1, x[start + i]!)) * 32767);
    buffer.writeInt16LE(v, at + 2 * i);
  }
  return at + 2 * SCOPE_LENGTH;
}

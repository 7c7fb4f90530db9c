// noise: white, pink or brown noise, deterministic per seed.
//
// White: uniform in [-1, 1) (RMS 1/√3 ≈ 0.577) from the seeded generator in lib/random.ts.
// Pink: white through Paul Kellet's "refined" pink filter (musicdsp.org, "Filter to make pink
// noise from white", 2000; ±0.05 dB of -3 dB/oct above 9.2 Hz at 44.1 kHz), scaled to RMS 0.25.
// Brown: white through a leaky integrator (one pole, corner 10 Hz), -6 dB/oct above the corner,
// scaled to RMS 0.25. Pink and brown are near-Gaussian (peaks ≈ 4σ = 1); they are clipped to
// [-1, 1] so that |out| ≤ gain always. All state (generator and filters) lives in `state`;
// `init()` re-seeds from ctx.seed, so reset and snapshot/restore are exact.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import { fillBipolar, seedState } from '../lib/random.js';

export const NOISE_COLORS = ['white', 'pink', 'brown'] as const;

const decl = defineModule({
  type: 'noise',
  doc: 'Noise source: white (uniform), pink (-3 dB/oct) or brown (-6 dB/oct); deterministic per seed.',
  params: [
    { id: 'color', unit: 'enum', min: 0, max: 2, default: 0, smoothingMs: 0, labels: NOISE_COLORS, modulatable: false, doc: 'Spectrum: white, pink or brown.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, aliases: ['amp', 'amplitude'], doc: 'Output level: white peaks at ±gain (RMS gain/√3); pink and brown have RMS 0.25·gain.' },
  ],
  inputs: [],
  outputs: [{ id: 'out', doc: 'Noise, within ±gain.' }],
  silentInSilentOut: false,
});

const P = decl.param;

const COLOR_WHITE = 0;
const COLOR_PINK = 1;

const S_RNG = 0; // generator state (uint32)
const S_PINK = 1; // Kellet filter b0..b6 at 1..7
const S_BROWN = 8; // leaky integrator
const STATE_SIZE = 9;

/** RMS of pink and brown before `gain`. */
const COLORED_RMS = 0.25;
/** Kellet's filter has power gain 9.3179 (sum of its squared impulse response); white variance is 1/3. */
const PINK_SCALE = COLORED_RMS / Math.sqrt(9.31792442112385 / 3);
const BROWN_CORNER_HZ = 10;

export class NoiseKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly brownLeak: number;
  private readonly brownInput: number;
  /** State after seeding; `init()` copies it (a typed-array copy: reset allocates nothing). */
  private readonly initialState = new Float64Array(STATE_SIZE);
  /** White noise of the current call (scratch, recomputed every call). */
  private readonly white: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.initialState[S_RNG] = seedState(ctx.seed);
    this.white = new Float64Array(ctx.maxBlock);
    this.brownLeak = Math.exp((-2 * Math.PI * BROWN_CORNER_HZ) / ctx.sampleRate);
    // Stationary variance of y = a·y + k·w is k²·σw²/(1 - a²); pick k for RMS COLORED_RMS.
    this.brownInput = (COLORED_RMS * Math.sqrt(1 - this.brownLeak * this.brownLeak)) / Math.sqrt(1 / 3);
    this.init();
  }

  protected override init(): void {
    this.state.set(this.initialState);
  }

  process(start: number, end: number): void {
    const color = this.io.params[P.color];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(color, i, end);
      const c = enumIndexAt(color, i, 3);
      if (c === COLOR_WHITE) this.renderWhite(i, runEnd);
      else if (c === COLOR_PINK) this.renderPink(i, runEnd);
      else this.renderBrown(i, runEnd);
      i = runEnd;
    }
  }

  private renderWhite(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const white = this.white;
    fillBipolar(st, S_RNG, white, from, to);
    for (let i = from; i < to; i++) out[i] = (gainConstant ? gainValue : gainBuffer[i]) * white[i];
  }

  private renderPink(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const white = this.white;
    fillBipolar(st, S_RNG, white, from, to);
    let b0 = st[S_PINK];
    let b1 = st[S_PINK + 1];
    let b2 = st[S_PINK + 2];
    let b3 = st[S_PINK + 3];
    let b4 = st[S_PINK + 4];
    let b5 = st[S_PINK + 5];
    let b6 = st[S_PINK + 6];
    for (let i = from; i < to; i++) {
      const w = white[i];
      b0 = 0.99886 * b0 + w * 0.0555179;
      b1 = 0.99332 * b1 + w * 0.0750759;
      b2 = 0.969 * b2 + w * 0.153852;
      b3 = 0.8665 * b3 + w * 0.3104856;
      b4 = 0.55 * b4 + w * 0.5329522;
      b5 = -0.7616 * b5 - w * 0.016898;
      let y = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * PINK_SCALE;
      b6 = w * 0.115926;
      y = y > 1 ? 1 : y < -1 ? -1 : y;
      out[i] = (gainConstant ? gainValue : gainBuffer[i]) * y;
    }
    st[S_PINK] = b0;
    st[S_PINK + 1] = b1;
    st[S_PINK + 2] = b2;
    st[S_PINK + 3] = b3;
    st[S_PINK + 4] = b4;
    st[S_PINK + 5] = b5;
    st[S_PINK + 6] = b6;
  }

  private renderBrown(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const leak = this.brownLeak;
    const k = this.brownInput;
    const white = this.white;
    fillBipolar(st, S_RNG, white, from, to);
    let y = st[S_BROWN];
    for (let i = from; i < to; i++) {
      y = leak * y + k * white[i];
      const v = y > 1 ? 1 : y < -1 ? -1 : y;
      out[i] = (gainConstant ? gainValue : gainBuffer[i]) * v;
    }
    st[S_BROWN] = y;
  }
}

export const noiseModule = decl.withKernel(NoiseKernel);

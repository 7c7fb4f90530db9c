// lfo: low-frequency control oscillator, computed per sample (naive, not band-limited).
//
// out = offset + depth · wave(p), wave in [-1, 1], phase p in [0, 1) starting at 0 and advanced
// by rate/fs after each sample. Shapes (all start at the phase-0 value on the first sample):
//   sine      sin(2πp)                      (0, rising)
//   triangle  0 → +1 at p=¼ → -1 at p=¾ → 0 (in phase with the sine)
//   square    +1 for p < ½, -1 after
//   saw       2p - 1                        (rising ramp)
//   sh        sample and hold: a new uniform value in [-1, 1) each time the phase wraps
// The S&H generator advances at every wrap whatever the shape, so the sequence of held values
// depends only on the seed and the cycle count. It is seeded from ctx.seed in `init()`.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo, ModuleDefinition } from '../kernel.js';
import type { ModuleSpec } from '../spec.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import { bipolar, nextState, seedState, stepHeldBipolar } from '../lib/random.js';

export const LFO_SHAPES = ['sine', 'triangle', 'square', 'saw', 'sh'] as const;

export const lfoSpec: ModuleSpec = {
  type: 'lfo',
  doc: 'Low-frequency oscillator for modulation: out = offset + depth × shape (sine, triangle, square, saw, sample-and-hold).',
  params: [
    { id: 'shape', unit: 'enum', min: 0, max: 4, default: 0, smoothingMs: 0, scale: 'linear', labels: LFO_SHAPES, modulatable: false, doc: 'Waveform; `sh` holds a new random value each cycle.' },
    { id: 'rate', unit: 'Hz', min: 0.01, max: 50, default: 1, smoothingMs: 5, scale: 'exp', doc: 'Cycles per second.' },
    { id: 'depth', unit: 'level', min: 0, max: 1, default: 1, smoothingMs: 5, scale: 'linear', doc: 'Amplitude of the shape.' },
    { id: 'offset', unit: 'level', min: -1, max: 1, default: 0, smoothingMs: 5, scale: 'linear', doc: 'Added to the output (centre value).' },
  ],
  inputs: [],
  outputs: [{ id: 'out', doc: 'Control signal offset + depth × shape, within [offset - depth, offset + depth].' }],
  gate: false,
  blockSizeInvariant: true,
  silentInSilentOut: false,
};

const P_SHAPE = 0;
const P_RATE = 1;
const P_DEPTH = 2;
const P_OFFSET = 3;

const SHAPE_SINE = 0;
const SHAPE_TRIANGLE = 1;
const SHAPE_SQUARE = 2;
const SHAPE_SAW = 3;

const S_PHASE = 0;
const S_RNG = 1; // generator state (uint32)
const S_HELD = 2; // current sample-and-hold value
const STATE_SIZE = 3;

const TWO_PI = 2 * Math.PI;

export class LfoKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly invSampleRate: number;
  /** State after seeding; `init()` copies it (a typed-array copy: reset allocates nothing). */
  private readonly initialState = new Float64Array(STATE_SIZE);

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.invSampleRate = 1 / ctx.sampleRate;
    const s = nextState(seedState(ctx.seed));
    this.initialState[S_RNG] = s;
    this.initialState[S_HELD] = bipolar(s);
    this.init();
  }

  protected override init(): void {
    this.state.set(this.initialState);
  }

  process(start: number, end: number): void {
    const shapeParam = this.io.params[P_SHAPE];
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(shapeParam, i, end);
      this.render(i, runEnd, enumIndexAt(shapeParam, i, 5));
      i = runEnd;
    }
  }

  private render(from: number, to: number, shape: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const params = this.io.params;
    const rate = params[P_RATE];
    const depth = params[P_DEPTH];
    const offset = params[P_OFFSET];
    const rateConstant = rate.isConstant;
    const rateValue = rate.value;
    const rateBuffer = rate.buffer;
    const depthConstant = depth.isConstant;
    const depthValue = depth.value;
    const depthBuffer = depth.buffer;
    const offsetConstant = offset.isConstant;
    const offsetValue = offset.value;
    const offsetBuffer = offset.buffer;
    const inv = this.invSampleRate;
    let phase = st[S_PHASE];
    for (let i = from; i < to; i++) {
      const p = phase;
      let w: number;
      if (shape === SHAPE_SINE) w = Math.sin(TWO_PI * p);
      else if (shape === SHAPE_TRIANGLE) {
        const q = p + 0.25; // triangle = 1 - 4·|((p + ¼) mod 1) - ½|, branch-free
        w = 1 - 4 * Math.abs(q - (q >= 1 ? 1 : 0) - 0.5);
      } else if (shape === SHAPE_SQUARE) w = p < 0.5 ? 1 : -1;
      else if (shape === SHAPE_SAW) w = 2 * p - 1;
      else w = st[S_HELD];
      out[i] = (offsetConstant ? offsetValue : offsetBuffer[i]) + (depthConstant ? depthValue : depthBuffer[i]) * w;
      // Branch-free wrap and S&H draw: no rarely-taken code in the loop (see osc.ts).
      const next = p + (rateConstant ? rateValue : rateBuffer[i]) * inv;
      const wrap = next >= 1 ? 1 : 0;
      phase = next - wrap;
      stepHeldBipolar(st, S_RNG, S_HELD, wrap);
    }
    st[S_PHASE] = phase;
  }
}

export const lfoModule: ModuleDefinition = { spec: lfoSpec, kernel: LfoKernel };

// sh: sample & hold and track & hold, clocked by a `trig` input or by /gate.
//
// Sources: the sample-and-hold circuit (a switch charging a hold capacitor, buffered), as in
// Horowitz & Hill, The Art of Electronics, 3rd ed., 4.2 ("sample-and-hold") and its modular
// form (Doepfer A-148 dual S&H / T&H: sample on the clock's rising edge; track while the gate is
// high, hold from its fall); noise as its default source, as the A-148's normalled noise input.
//
// Contract (n a sample index; "high" and edges after the trig convention of spec.ts VOICE_PORTS
// and lib/trigger.ts: a sample > 0 after one ≤ 0 is a rising edge on that exact sample):
// - The clock is high at n when trig[n] > 0 or a /gate is on; it has an edge at n when trig
//   rises at n or a /gate on arrived just before sample n (a gate event at frame n is the same
//   as the trig input rising at n and, for `gate off` at m, falling at m). Velocity is ignored.
// - sample (S&H): at each edge, out[n] = in[n]; otherwise out[n] = out[n − 1].
// - track (T&H): while the clock is high (and on an edge), out[n] = in[n]; otherwise
//   out[n] = out[n − 1]: it holds the last sample taken while high.
// - The output starts at 0 until the first sample is taken.
// - `in` unconnected: the module samples its own white noise, uniform in [−1, 1) (lib/random.ts,
//   seeded per instance from the engine seed and the module id, as `noise` and the lfo's sh
//   shape), one value per sample: S&H of noise gives random steps; T&H follows the noise. The
//   generator advances every sample whether or not it is read (an additive generator: it jumps
//   ahead in one step), so the values depend only on the seed and the sample clock.
//
// Render thread; no allocation. No double crosses a call (the generator is stepped through
// lib/random.ts's array form).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import { seedState, stepHeldBipolar } from '../lib/random.js';

export const SH_MODES = ['sample', 'track'] as const;

const decl = defineModule({
  type: 'sh',
  doc:
    'Sample & hold (`sample`: takes `in` on each rising edge) or track & hold (`track`: follows `in` while the clock is ' +
    'high, holds from its fall). Clocked by the `trig` input (rising edge on the exact sample) or by /gate (gate on = a ' +
    'rising edge, gate off = the fall; both give the same output). With `in` unconnected it samples its own seeded white ' +
    'noise (uniform in [−1, 1), deterministic per instance), so S&H gives random steps. Starts at 0.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: SH_MODES, modulatable: false, doc: 'sample: hold the value at each rising edge; track: follow the input while the clock is high.' },
  ],
  inputs: [
    { id: 'in', doc: 'Signal to sample; unconnected: the module\'s own white noise in [−1, 1).' },
    { id: 'trig', doc: 'Clock: a rising edge (a sample > 0 after one ≤ 0) samples on that sample; high (> 0) = track.' },
  ],
  outputs: [{ id: 'out', doc: 'The held (or tracked) value.' }],
  gate: true,
  // An unconnected `in` is a noise source.
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const MODE_SAMPLE = 0;

const S_HELD = 0; // output value
const S_TRIG_PREV = 1; // last trig sample
const S_GATE = 2; // 1 while a /gate is on
const S_PENDING = 3; // 1: a /gate on arrived, an edge on the next rendered sample
const S_RNG = 4; // generator state, advanced to the last sample rendered
const S_DISCARD = 5; // where advancing the generator without taking a value writes
const STATE_SIZE = 6;

export class ShKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly rngStart: number;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.rngStart = seedState(ctx.seed);
    this.init();
  }

  protected override init(): void {
    this.state[S_RNG] = this.rngStart;
  }

  override gate(on: boolean): void {
    const st = this.state;
    st[S_GATE] = on ? 1 : 0;
    if (on) st[S_PENDING] = 1;
  }

  process(start: number, end: number): void {
    if (start >= end) return;
    const mode = this.io.params[P.mode];
    this.outputCheck[0] = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(mode, i, end);
      if (enumIndexAt(mode, i, 2) === MODE_SAMPLE) this.renderSample(i, runEnd);
      else this.renderTrack(i, runEnd);
      i = runEnd;
    }
  }

  /** S&H over [from, to). */
  private renderSample(from: number, to: number): void {
    const st = this.state;
    const inPort = this.io.inputs[IN.in];
    const trigPort = this.io.inputs[IN.trig];
    const input = inPort.buffer;
    const trig = trigPort.buffer;
    const noise = !inPort.connected;
    const trigConnected = trigPort.connected;
    const out = this.io.outputs[OUT.out];
    let prev = st[S_TRIG_PREV];
    let held = st[S_HELD];
    let pending = st[S_PENDING];
    // The generator's state stands for sample `rngAt` (from − 1 on entry).
    let rngAt = from - 1;
    let sq = 0;
    for (let i = from; i < to; i++) {
      const t = trigConnected ? trig[i] : 0;
      if ((t > 0 && prev <= 0) || pending !== 0) {
        pending = 0;
        if (noise) {
          stepHeldBipolar(st, S_RNG, S_HELD, i - rngAt);
          rngAt = i;
          held = st[S_HELD];
        } else {
          held = input[i];
        }
      }
      prev = t;
      out[i] = held;
      sq += held * held;
    }
    stepHeldBipolar(st, S_RNG, S_DISCARD, to - 1 - rngAt);
    st[S_TRIG_PREV] = prev;
    st[S_HELD] = held;
    st[S_PENDING] = pending;
    this.outputCheck[0] += sq;
  }

  /** T&H over [from, to). */
  private renderTrack(from: number, to: number): void {
    const st = this.state;
    const inPort = this.io.inputs[IN.in];
    const trigPort = this.io.inputs[IN.trig];
    const input = inPort.buffer;
    const trig = trigPort.buffer;
    const noise = !inPort.connected;
    const trigConnected = trigPort.connected;
    const gateOn = st[S_GATE] !== 0;
    const out = this.io.outputs[OUT.out];
    let prev = st[S_TRIG_PREV];
    let held = st[S_HELD];
    let pending = st[S_PENDING];
    let rngAt = from - 1;
    let sq = 0;
    for (let i = from; i < to; i++) {
      const t = trigConnected ? trig[i] : 0;
      if (t > 0 || gateOn || pending !== 0) {
        pending = 0;
        if (noise) {
          stepHeldBipolar(st, S_RNG, S_HELD, i - rngAt);
          rngAt = i;
          held = st[S_HELD];
        } else {
          held = input[i];
        }
      }
      prev = t;
      out[i] = held;
      sq += held * held;
    }
    stepHeldBipolar(st, S_RNG, S_DISCARD, to - 1 - rngAt);
    st[S_TRIG_PREV] = prev;
    st[S_HELD] = held;
    st[S_PENDING] = pending;
    this.outputCheck[0] += sq;
  }
}

export const shModule = decl.withKernel(ShKernel);

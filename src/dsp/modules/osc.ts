// osc: band-limited audio oscillator (sine, saw, square/pulse, triangle) with linear FM, a
// 1 V/oct `pitch` input and hard sync.
//
// Instantaneous frequency f = freq · 2^(detune/1200) · 2^pitch + fm (Hz), limited to ±fs/2;
// negative f runs the phase backwards. 2^pitch is computed per sample (Math.pow, recomputed
// only when the pitch value changes). A connected `sync` input hard-syncs the phase (reset to
// 0 on a rising edge, band-limited: osc-sync.ts, which renders while sync is connected). The
// batch kernel (osc-batch.ts, wasm/osc.ts) declines instances with `pitch` or `sync` connected:
// they run here (Math.pow and the sync renderer have no bit-exact wasm twin). Phase is a double in [0, 1). Saw and pulse discontinuities are
// corrected with BLEP residuals, triangle corners with BLAMP residuals (see lib/blep.ts); the
// pulse is the difference of two saws (phases p and p - pw), so pulse-width modulation stays
// band-limited. Every waveform goes through the same correction ring, so the output has a
// fixed latency of BLEP_HALF (8) samples and switching waveform never shifts it in time.
// `gain` is applied at the ring output (no latency).

import { Kernel, stateArray } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { addResidual, BLAMP_TABLE, BLEP_TABLE } from '../lib/blep.js';
import * as blepLayout from '../lib/blep.layout.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import * as layout from './osc.layout.js';
import { OSC_SYNC_STATE_END, renderSynced } from './osc-sync.js';

export const OSC_WAVEFORMS = ['sine', 'saw', 'square', 'triangle'] as const;

export const oscDecl = defineModule({
  type: 'osc',
  doc:
    'Band-limited oscillator: sine, saw, square (pulse width `pw`) and triangle, with linear FM, a `pitch` input in octaves (f = freq · 2^pitch) and hard sync (`sync`). ' +
    'Output is delayed by 8 samples (band-limiting kernel latency).',
  params: [
    { id: 'waveform', unit: 'enum', min: 0, max: 3, default: 0, smoothingMs: 0, labels: OSC_WAVEFORMS, modulatable: false, doc: 'Waveform.' },
    { id: 'freq', unit: 'Hz', min: 0.1, max: 20000, default: 440, smoothingMs: 5, scale: 'exp', aliases: ['frequency'], doc: 'Frequency before detune and FM.' },
    { id: 'detune', unit: 'cents', min: -1200, max: 1200, default: 0, smoothingMs: 5, doc: 'Pitch offset: frequency × 2^(detune/1200).' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, aliases: ['amp', 'amplitude'], doc: 'Output level (peak of the naive waveform).' },
    { id: 'pw', unit: 'ratio', min: 0.05, max: 0.95, default: 0.5, smoothingMs: 5, doc: 'Pulse width of the square wave (fraction of the cycle spent high).' },
  ],
  inputs: [
    { id: 'fm', doc: 'Linear FM in Hz, added to the detuned frequency (may make it negative).' },
    { id: 'pitch', doc: 'Pitch in octaves (1 V/oct): frequency × 2^pitch, per sample (before FM is added).' },
    { id: 'sync', doc: 'Hard sync: a rising edge (a sample > 0 after one ≤ 0) resets the phase to 0 at its interpolated zero crossing, band-limited.' },
  ],
  outputs: [{ id: 'out', doc: 'Audio, within about ±gain.' }],
  silentInSilentOut: false,
});

const P = oscDecl.param;
const IN = oscDecl.input;

// The state layout, waveform indices and ring geometry live in osc.layout.ts and
// lib/blep.layout.ts (shared with the batch kernel wasm/osc.ts). They are copied into
// module-local constants here: V8 constant-folds those in hot loops, not imported bindings
// (measured: ~1.5 ns/sample slower when the ring geometry was read from an import).
const { S_PHASE, S_PHASE_B, S_PW_PREV, S_WAVE, S_DETUNE, S_FACTOR, S_POS, S_DT, S_EVENT, S_RING, WAVE_SINE, WAVE_SAW, WAVE_SQUARE } = layout;
const { BLEP_HALF: HALF, BLEP_MASK: MASK, BLEP_TAPS: TAPS, BLEP_PHASES: PHASES } = blepLayout;
const STATE_SIZE = OSC_SYNC_STATE_END; // the ring (S_RING + TAPS), then osc-sync.ts's slots
if (STATE_SIZE < S_RING + TAPS) throw new Error('osc: state layout');

const TWO_PI = 2 * Math.PI;

// Calling convention inside the kernel: no double crosses a call boundary, as argument or
// result, because a call the JIT does not inline (it may run out of inlining budget when the
// engine's render loop inlines kernels) boxes it: a heap allocation on the render thread.
// Doubles travel through `state` instead, e.g. an event's tau and amount are written to
// state[S_EVENT], state[S_EVENT + 1] for addResidual.

export class OscKernel extends Kernel {
  readonly state: Float64Array = stateArray(this.ctx, STATE_SIZE);
  private readonly invSampleRate: number;
  /** Per-sample phase increments for the current call when they are not constant (scratch). */
  private readonly increments: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.invSampleRate = 1 / ctx.sampleRate;
    this.increments = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    this.state[S_WAVE] = -1;
    this.state[S_DETUNE] = 0;
    this.state[S_FACTOR] = 1;
  }

  process(start: number, end: number): void {
    // Kernel.outputCheck: each renderer adds the sum of squares of the samples it wrote.
    this.outputCheck[0] = 0;
    const perSample = this.computeIncrements(start, end);
    const waveform = this.io.params[P.waveform];
    const st = this.state;
    const synced = this.io.inputs[IN.sync].connected;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(waveform, i, end);
      const wave = enumIndexAt(waveform, i, 4);
      if (wave !== st[S_WAVE]) {
        st[S_WAVE] = wave;
        if (wave === WAVE_SQUARE) this.startPulse(i);
      }
      if (synced) renderSynced(st, this.io, this.increments, i, runEnd, perSample, wave, P.gain, P.pw, this.outputCheck);
      else if (wave === WAVE_SAW) this.renderSaw(i, runEnd, perSample);
      else if (wave === WAVE_SQUARE) this.renderPulse(i, runEnd, perSample);
      else if (wave === WAVE_SINE) this.renderSine(i, runEnd, perSample);
      else this.renderTriangle(i, runEnd, perSample);
      i = runEnd;
    }
  }

  /**
   * When the phase increment is the same for all of [start, end) (constant freq and detune, no
   * FM or pitch input), stores it in state[S_DT] and returns false; otherwise fills `increments` and returns
   * true. Both paths evaluate the same expression, so constant and buffer presentations of a
   * param give identical increments. 2^(detune/1200) is recomputed only when detune changes.
   */
  private computeIncrements(start: number, end: number): boolean {
    const st = this.state;
    const freq = this.io.params[P.freq];
    const detune = this.io.params[P.detune];
    const fm = this.io.inputs[IN.fm];
    const pitch = this.io.inputs[IN.pitch];
    const inv = this.invSampleRate;
    let lastDetune = st[S_DETUNE];
    let factor = st[S_FACTOR];
    if (freq.isConstant && detune.isConstant && !fm.connected && !pitch.connected) {
      const d = detune.value;
      if (d !== lastDetune) {
        st[S_DETUNE] = d;
        st[S_FACTOR] = factor = Math.pow(2, d / 1200);
      }
      // Increment limited to ±0.5 (±fs/2); NaN (from a broken FM source) becomes 0.
      const dt = freq.value * factor * inv;
      st[S_DT] = dt > 0.5 ? 0.5 : dt < -0.5 ? -0.5 : dt === dt ? dt : 0;
      return false;
    }
    const dts = this.increments;
    const freqConstant = freq.isConstant;
    const freqValue = freq.value;
    const freqBuffer = freq.buffer;
    const detuneConstant = detune.isConstant;
    const detuneValue = detune.value;
    const detuneBuffer = detune.buffer;
    const fmConnected = fm.connected;
    const fmBuffer = fm.buffer;
    const pitchConnected = pitch.connected;
    const pitchBuffer = pitch.buffer;
    // 2^pitch, recomputed when the pitch changes (a pure function of it: no state to keep).
    let lastPitch = Number.NaN;
    let pitchFactor = Number.NaN;
    for (let i = start; i < end; i++) {
      const d = detuneConstant ? detuneValue : detuneBuffer[i];
      if (d !== lastDetune) {
        lastDetune = d;
        factor = Math.pow(2, d / 1200);
      }
      let f = (freqConstant ? freqValue : freqBuffer[i]) * factor;
      if (pitchConnected) {
        const v = pitchBuffer[i];
        if (v !== lastPitch) {
          lastPitch = v;
          pitchFactor = Math.pow(2, v);
        }
        f *= pitchFactor;
      }
      const dt = fmConnected ? (f + fmBuffer[i]) * inv : f * inv;
      dts[i] = dt > 0.5 ? 0.5 : dt < -0.5 ? -0.5 : dt === dt ? dt : 0; // same limit as above
    }
    st[S_DETUNE] = lastDetune;
    st[S_FACTOR] = factor;
    return true;
  }

  /** Aligns the second saw of the pulse with the main phase when the square wave starts. */
  private startPulse(i: number): void {
    const st = this.state;
    const pwParam = this.io.params[P.pw];
    const pw = pwParam.isConstant ? pwParam.value : pwParam.buffer[i];
    let b = st[S_PHASE] - pw;
    if (b < 0) b += 1;
    if (b >= 1) b = 0;
    st[S_PHASE_B] = b;
    st[S_PW_PREV] = pw;
  }

  // Loop shape shared by the renderers: the phase wraps at most once per sample (|dt| ≤ 0.5);
  // `k` is the wrap direction (+1 forwards past 1, -1 backwards past 0, 0 none). Rare cases
  // (backward wraps, the rounding edge, multiple pulse wraps) reuse the arithmetic of the common
  // forward case rather than having code of their own: an operation that has never run has no
  // JIT type feedback, and reaching it deoptimises the loop, which then runs unoptimised for a
  // while, allocating heap numbers on the render thread. The triangle is branch-free for the
  // same reason (a slow oscillator would otherwise reach its second half only after warm-up).

  private renderSine(from: number, to: number, perSample: boolean): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const dtConstant = st[S_DT];
    const dts = this.increments;
    let phase = st[S_PHASE];
    let pos = st[S_POS] | 0;
    let sq = 0; // Kernel.outputCheck contribution
    for (let i = from; i < to; i++) {
      let p = phase + (perSample ? dts[i] : dtConstant);
      const k = p >= 1 ? 1 : p < 0 ? -1 : 0;
      if (k !== 0) {
        p -= k;
        if (p >= 1) p = 0; // -tiny + 1 rounded to 1
      }
      phase = p;
      st[S_RING + pos] += Math.sin(TWO_PI * p);
      const o = S_RING + ((pos + HALF) & MASK);
      const y = (gainConstant ? gainValue : gainBuffer[i]) * st[o];
      out[i] = y;
      sq += y * y;
      st[o] = 0;
      pos = (pos + 1) & MASK;
    }
    st[S_PHASE] = phase;
    st[S_POS] = pos;
    this.outputCheck[0] += sq;
  }

  /** Saw 2p - 1: a jump of -2 (forwards) or +2 (backwards) where the phase wraps. */
  private renderSaw(from: number, to: number, perSample: boolean): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const dtConstant = st[S_DT];
    const dts = this.increments;
    let phase = st[S_PHASE];
    let pos = st[S_POS] | 0;
    let sq = 0; // Kernel.outputCheck contribution
    if (!perSample && gainConstant && dtConstant > 0) {
      // Specialisation (bit-identical to the general loop below) for the common case: constant
      // increment, constant gain, running forwards. Then p = phase + dt < 1.5, so only forward
      // wraps (k = 1) occur, p - 1 is exact and below 1 (the rounding-edge case cannot happen)
      // and the event is tau = p/dt, amount -2: the general loop's expressions with k = 1.
      // addResidual is written out here (same expressions): a call left in the loop, when V8
      // does not inline it, keeps typed-array loads from being hoisted (measured ~+3 ns/sample).
      const dt = dtConstant;
      const table = BLEP_TABLE;
      for (let i = from; i < to; i++) {
        const base = (pos + HALF) & MASK;
        let p = phase + dt;
        if (p >= 1) {
          p -= 1;
          let x = (p / dt) * PHASES;
          if (!(x > 0)) x = 0;
          else if (x > PHASES) x = PHASES;
          let row = x | 0;
          if (row === PHASES) row = PHASES - 1;
          const frac = x - row;
          const r0 = row * TAPS;
          for (let j = 0; j < TAPS; j++) {
            const a = table[r0 + j];
            const b = table[r0 + TAPS + j];
            st[S_RING + ((base + j) & MASK)] += -2 * (a + frac * (b - a));
          }
        }
        phase = p;
        st[S_RING + pos] += 2 * p - 1;
        const o = S_RING + base;
        const y = gainValue * st[o];
        out[i] = y;
        sq += y * y;
        st[o] = 0;
        pos = (pos + 1) & MASK;
      }
      st[S_PHASE] = phase;
      st[S_POS] = pos;
      this.outputCheck[0] += sq;
      return;
    }
    for (let i = from; i < to; i++) {
      const dt = perSample ? dts[i] : dtConstant;
      const base = (pos + HALF) & MASK;
      let p = phase + dt;
      const k = p >= 1 ? 1 : p < 0 ? -1 : 0;
      if (k !== 0) {
        p -= k;
        if (p >= 1) p = 0; // -tiny + 1 rounded onto the wrap point: no jump happened
        else {
          st[S_EVENT] = (p - (k > 0 ? 0 : 1)) / dt;
          st[S_EVENT + 1] = -2 * k;
          addResidual(BLEP_TABLE, st, S_RING, base, S_EVENT);
        }
      }
      phase = p;
      st[S_RING + pos] += 2 * p - 1;
      const o = S_RING + base;
      const y = (gainConstant ? gainValue : gainBuffer[i]) * st[o];
      out[i] = y;
      sq += y * y;
      st[o] = 0;
      pos = (pos + 1) & MASK;
    }
    st[S_PHASE] = phase;
    st[S_POS] = pos;
    this.outputCheck[0] += sq;
  }

  /**
   * Pulse = saw(pB) - saw(p) + 2·pw - 1 with pB ≡ p - pw: +1 while p < pw, -1 after. pB is
   * advanced by dt - Δpw so its wraps (the falling edges) are detected like the main phase's.
   * A pw jump of more than about half a cycle in one sample can wrap pB more than once: it is
   * then wrapped without band-limiting.
   */
  private renderPulse(from: number, to: number, perSample: boolean): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const pwParam = this.io.params[P.pw];
    const pwConstant = pwParam.isConstant;
    const pwValue = pwParam.value;
    const pwBuffer = pwParam.buffer;
    const dtConstant = st[S_DT];
    const dts = this.increments;
    let phase = st[S_PHASE];
    let phaseB = st[S_PHASE_B];
    let pwPrev = st[S_PW_PREV];
    let pos = st[S_POS] | 0;
    let sq = 0; // Kernel.outputCheck contribution
    for (let i = from; i < to; i++) {
      const dt = perSample ? dts[i] : dtConstant;
      const pw = pwConstant ? pwValue : pwBuffer[i];
      const base = (pos + HALF) & MASK;
      let p = phase + dt;
      const k = p >= 1 ? 1 : p < 0 ? -1 : 0;
      if (k !== 0) {
        p -= k;
        if (p >= 1) p = 0;
        else {
          st[S_EVENT] = (p - (k > 0 ? 0 : 1)) / dt;
          st[S_EVENT + 1] = 2 * k;
          addResidual(BLEP_TABLE, st, S_RING, base, S_EVENT);
        }
      }
      const dtB = dt - (pw - pwPrev);
      let b = phaseB + dtB;
      const kb = b >= 1 || b < 0 ? Math.floor(b) : 0;
      if (kb !== 0) {
        b -= kb;
        if (b >= 1) b = 0;
        else if (kb === 1 || kb === -1) {
          st[S_EVENT] = (b - (kb > 0 ? 0 : 1)) / dtB;
          st[S_EVENT + 1] = -2 * kb;
          addResidual(BLEP_TABLE, st, S_RING, base, S_EVENT);
        }
      }
      phase = p;
      phaseB = b;
      pwPrev = pw;
      st[S_RING + pos] += 2 * (b - p) + 2 * pw - 1;
      const o = S_RING + base;
      const y = (gainConstant ? gainValue : gainBuffer[i]) * st[o];
      out[i] = y;
      sq += y * y;
      st[o] = 0;
      pos = (pos + 1) & MASK;
    }
    st[S_PHASE] = phase;
    st[S_PHASE_B] = phaseB;
    st[S_PW_PREV] = pwPrev;
    st[S_POS] = pos;
    this.outputCheck[0] += sq;
  }

  /**
   * Triangle: -1 at p = 0, +1 at p = 0.5. Its slope (per sample) changes by +8|dt| at p = 0 and
   * by -8|dt| at p = 0.5, whichever way the phase runs.
   */
  private renderTriangle(from: number, to: number, perSample: boolean): void {
    const st = this.state;
    const out = this.io.outputs[0];
    const gain = this.io.params[P.gain];
    const gainConstant = gain.isConstant;
    const gainValue = gain.value;
    const gainBuffer = gain.buffer;
    const dtConstant = st[S_DT];
    const dts = this.increments;
    let phase = st[S_PHASE];
    let pos = st[S_POS] | 0;
    let sq = 0; // Kernel.outputCheck contribution
    for (let i = from; i < to; i++) {
      const dt = perSample ? dts[i] : dtConstant;
      const base = (pos + HALF) & MASK;
      const u = phase + dt;
      let p = u;
      const k = u >= 1 ? 1 : u < 0 ? -1 : 0;
      if (k !== 0) {
        p -= k;
        if (p >= 1) p = 0;
        else {
          st[S_EVENT] = (p - (k > 0 ? 0 : 1)) / dt;
          st[S_EVENT + 1] = 8 * Math.abs(dt);
          addResidual(BLAMP_TABLE, st, S_RING, base, S_EVENT);
        }
      }
      if (phase < 0.5 ? u >= 0.5 : u < 0.5) {
        st[S_EVENT] = (u - 0.5) / dt;
        st[S_EVENT + 1] = -8 * Math.abs(dt);
        addResidual(BLAMP_TABLE, st, S_RING, base, S_EVENT);
      }
      phase = p;
      st[S_RING + pos] += 1 - 4 * Math.abs(p - 0.5);
      const o = S_RING + base;
      const y = (gainConstant ? gainValue : gainBuffer[i]) * st[o];
      out[i] = y;
      sq += y * y;
      st[o] = 0;
      pos = (pos + 1) & MASK;
    }
    st[S_PHASE] = phase;
    st[S_POS] = pos;
    this.outputCheck[0] += sq;
  }
}

export const oscModule = oscDecl.withKernel(OscKernel);

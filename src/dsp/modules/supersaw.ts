// supersaw: up to 9 band-limited saws after the Roland JP-8000 "Super Saw", as measured by
// A. Szabo, "How to Emulate the Super Saw" (KTH, 2010).
//
// Voices. Voice v runs at f·(1 + r_v·A(detune)), f = freq·2^(pitch + transpose/12 + fine/1200).
// r_v are Szabo's measured offsets of the seven JP-8000 saws (−0.11002313, −0.06288439,
// −0.01952356, 0, +0.01991221, +0.06216538, +0.10745242), plus our own outer pair for voices
// 8 and 9 (−0.1571, +0.1533: the spacing of the outer pairs continued; the JP-8000 has 7).
// Voices are added in the order centre, then pairs from the inside out (flat voice first), so
// `voices` = 3 is the centre and the inner pair. A(x) is Szabo's 11th-degree polynomial fit of
// the JP-8000 detune knob, minus its constant term faded out towards x = 0:
//   A(x) = poly(x) − poly(0)·(1 − x),  poly(0) = 0.0030115596
// (the fit's constant, 0.6 cents on the outer voice, is a fitting residual: this way detune 0
// is exact unison and A(1) = poly(1)).
// Mix. Szabo's curves for the centre and each side voice: c = −0.55366·mix + 0.99785,
// s = −0.73764·mix² + 1.2841·mix + 0.044372. Below detune X_UNISON (0.05: the outer voice
// within 1.3 cents of the centre) the side voices fade in linearly (s·detune/X_UNISON), so
// detune 0 is one saw: the centre alone, exactly (the "detune 0 equals one saw").
// Stereo. Side voices pair up (flat, sharp) from the inside out; pair k of K = ⌊voices/2⌋ sits
// at ±spread·k/K, the flat voice left in odd pairs and right in even ones (so each side gets
// flat and sharp voices). Pan law sqrt(1 ∓ pan): constant power, a centred voice has gain 1
// on both outputs (spread 0: left = right = the mono sum).
// Level (normalisation). The voices' phases differ, so detuned saws add in power: each output's
// voice gains are divided by sqrt(Σ gain²) of that output. Then the long-term RMS of each output
// equals that of one saw at `gain` for every detune, mix, spread and voice count; short-term
// it beats, as a supersaw does (slowly at small detune).
// Phases. The centre starts at phase 0 (so detune 0 equals `osc` saw sample for sample, given
// equal gain), the side voices at phases drawn from the instance seed; all run free (nothing
// resets them; `voices` lowered freezes the dropped voices' phases until they return).
// Band-limiting: the BLEP residual tables of lib/blep.ts (Stilson & Smith, ICMC 1996: 16-tap
// Kaiser-windowed sinc), shared by all voices through one correction ring per output, so the
// output has osc's fixed latency of BLEP_HALF = 8 samples.
//
// Render thread; the constructor allocates, process/reset do not. Calling convention as in
// osc.ts: no double crosses a call; voice tables are recomputed (updateVoices, reading its
// inputs from `state`) only when detune, mix, spread or voices change.

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { BLEP_HALF, BLEP_MASK, BLEP_TABLE, BLEP_TAPS } from '../lib/blep.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6, EXP2_C7 as LIB_C7, EXP2_INT, EXP2_RANGE,
} from '../lib/fast-math.js';
import { nextState, seedState, unipolar } from '../lib/random.js';

export const SUPERSAW_MAX_VOICES = 9;
/** Detune offset r of each voice, in the order voices are added (see the header). */
export const SUPERSAW_OFFSETS: readonly number[] = Object.freeze([
  0, -0.01952356, 0.01991221, -0.06288439, 0.06216538, -0.11002313, 0.10745242, -0.1571, 0.1533,
]);
/** Szabo's detune polynomial, highest power first (x^11 … x^0). */
const DETUNE_POLY = [
  10028.7312891634, -50818.8652045924, 111363.4808729368, -138150.6761080548, 106649.6679158292,
  -53046.9642751875, 17019.951858008, -3425.0836591318, 404.2703938388, -24.1878824391, 0.6717417634,
  0.0030115596,
] as const;

const decl = defineModule({
  type: 'supersaw',
  doc:
    'JP-8000 style supersaw (Szabo 2010): up to 9 band-limited saws detuned along the JP-8000 curve, centre/side `mix`, ' +
    'voices panned across `left`/`right` by `spread`; level normalised so the RMS does not depend on detune, mix or voices. ' +
    'Output delayed by 8 samples (band-limiting kernel latency).',
  params: [
    { id: 'freq', unit: 'Hz', min: 1, max: 20000, default: 220, smoothingMs: 5, scale: 'exp', doc: 'Frequency of the centre voice before `pitch`, transpose and fine.' },
    { id: 'transpose', unit: 'semitones', min: -48, max: 48, default: 0, smoothingMs: 0, doc: 'Pitch offset in semitones.' },
    { id: 'fine', unit: 'cents', min: -100, max: 100, default: 0, smoothingMs: 5, doc: 'Pitch offset in cents.' },
    { id: 'detune', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Detune knob, mapped through the JP-8000 curve (at 1 the outer pair of 7 voices sits about −2 and +1.8 semitones off). 0 = one saw.' },
    { id: 'mix', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Side voices against the centre voice (Szabo\'s JP-8000 mix curves).' },
    { id: 'spread', unit: 'ratio', min: 0, max: 1, default: 0.5, smoothingMs: 10, doc: 'Stereo width: 0 = all voices centred (left = right), 1 = outer pair hard left/right.' },
    { id: 'voices', unit: 'ratio', min: 1, max: SUPERSAW_MAX_VOICES, default: 7, smoothingMs: 0, modulatable: false, doc: 'Number of saws (1-9, rounded): the centre, then pairs from the inside out.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, doc: 'Output level: the long-term RMS of each output is that of one saw of peak `gain`.' },
  ],
  inputs: [{ id: 'pitch', doc: 'Pitch in octaves, added per sample: f = freq · 2^pitch.' }],
  outputs: [
    { id: 'left', doc: 'Left: the voices panned by `spread`.' },
    { id: 'right', doc: 'Right: the voices panned by `spread`.' },
  ],
  silentInSilentOut: false,
  latency: { samples: BLEP_HALF },
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

// Ring geometry as module-local literals (see osc.ts), checked against lib/blep.ts at load.
const HALF = 8;
const MASK = 15;
const TAPS = 16;
const PHASES = 32;
if (HALF !== BLEP_HALF || MASK !== BLEP_MASK || TAPS !== BLEP_TAPS || BLEP_TABLE.length !== (PHASES + 1) * TAPS) {
  throw new Error('supersaw: ring geometry out of sync with lib/blep.ts');
}
const MAX_VOICES = 9;
/** Below this detune the side voices fade in (see the header). */
const X_UNISON = 0.05;
const C1 = LIB_C1;
const C2 = LIB_C2;
const C3 = LIB_C3;
const C4 = LIB_C4;
const C5 = LIB_C5;
const C6 = LIB_C6;
const C7 = LIB_C7;
const RANGE = EXP2_RANGE;

// State layout.
const S_PHASE = 0; // MAX_VOICES phases in [0, 1)
const S_RATIO = 9; // MAX_VOICES frequency ratios 1 + r·A
const S_GAIN_L = 18; // MAX_VOICES left gains (normalised)
const S_GAIN_R = 27; // MAX_VOICES right gains
const S_KEY_DETUNE = 36; // param values the voice tables belong to (NaN: none yet)
const S_KEY_MIX = 37;
const S_KEY_SPREAD = 38;
const S_KEY_VOICES = 39;
const S_VOICES = 40; // voices in use (integer)
const S_SUM_L = 41; // Σ left gains (the −1 of each 2p − 1)
const S_SUM_R = 42;
const S_OCT = 43; // octave offset the cached factor belongs to (NaN: none yet)
const S_FACTOR = 44; // 2^octaves for S_OCT
const S_POS = 45; // ring slot of the next sample
const S_RING_L = 48; // TAPS slots each
const S_RING_R = S_RING_L + TAPS;
const STATE_SIZE = S_RING_R + TAPS;

export class SupersawKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly invSampleRate: number;
  /** Phases after seeding; init() copies them (reset allocates nothing). */
  private readonly initialPhases = new Float64Array(MAX_VOICES);
  /** Test hook (not reachable from patches): ≥ 0 sounds only that voice, at gain 1 on both sides. */
  private solo = -1;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.invSampleRate = 1 / ctx.sampleRate;
    let s = seedState(ctx.seed);
    for (let v = 1; v < MAX_VOICES; v++) {
      s = nextState(s);
      this.initialPhases[v] = unipolar(s);
    }
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    for (let v = 0; v < MAX_VOICES; v++) st[S_PHASE + v] = this.initialPhases[v];
    st[S_KEY_DETUNE] = NaN;
    st[S_OCT] = NaN;
  }

  /** Test hook: sound voice `index` alone (−1: all voices, normal mix). Not part of the spec. */
  soloVoiceForTest(index: number): void {
    this.solo = index;
    this.state[S_KEY_DETUNE] = NaN;
  }

  process(start: number, end: number): void {
    const st = this.state;
    const params = this.io.params;
    const freqP = params[P.freq];
    const freqC = freqP.isConstant;
    const freqV = freqP.value;
    const freqB = freqP.buffer;
    const trP = params[P.transpose];
    const trC = trP.isConstant;
    const trV = trP.value;
    const trB = trP.buffer;
    const fineP = params[P.fine];
    const fineC = fineP.isConstant;
    const fineV = fineP.value;
    const fineB = fineP.buffer;
    const detP = params[P.detune];
    const detC = detP.isConstant;
    const detV = detP.value;
    const detB = detP.buffer;
    const mixP = params[P.mix];
    const mixC = mixP.isConstant;
    const mixV = mixP.value;
    const mixB = mixP.buffer;
    const sprP = params[P.spread];
    const sprC = sprP.isConstant;
    const sprV = sprP.value;
    const sprB = sprP.buffer;
    const voiP = params[P.voices];
    const voiC = voiP.isConstant;
    const voiV = voiP.value;
    const voiB = voiP.buffer;
    const gainP = params[P.gain];
    const gainC = gainP.isConstant;
    const gainV = gainP.value;
    const gainB = gainP.buffer;
    const pitch = this.io.inputs[IN.pitch];
    const pitchC = pitch.connected;
    const pitchB = pitch.buffer;
    const outL = this.io.outputs[OUT.left];
    const outR = this.io.outputs[OUT.right];
    const inv = this.invSampleRate;
    const table = BLEP_TABLE;
    let pos = st[S_POS] | 0;
    let sq = 0; // Kernel.outputCheck: sum of squares written
    for (let i = start; i < end; i++) {
      const detune = detC ? detV : detB[i];
      const mix = mixC ? mixV : mixB[i];
      const spread = sprC ? sprV : sprB[i];
      const voices = voiC ? voiV : voiB[i];
      if (detune !== st[S_KEY_DETUNE] || mix !== st[S_KEY_MIX] || spread !== st[S_KEY_SPREAD] || voices !== st[S_KEY_VOICES]) {
        st[S_KEY_DETUNE] = detune;
        st[S_KEY_MIX] = mix;
        st[S_KEY_SPREAD] = spread;
        st[S_KEY_VOICES] = voices;
        this.updateVoices();
      }
      // f = freq · 2^octaves, 2^x as in lib/fast-math.ts exp2Approx (relative error < 1e-8).
      const oct = (pitchC ? pitchB[i] : 0) + (trC ? trV : trB[i]) / 12 + (fineC ? fineV : fineB[i]) / 1200;
      let factor = st[S_FACTOR];
      if (oct !== st[S_OCT]) {
        let x = oct;
        if (!(x > -RANGE)) x = -RANGE;
        else if (x > RANGE) x = RANGE;
        const n = Math.round(x);
        const fr = x - n;
        factor = (1 + fr * (C1 + fr * (C2 + fr * (C3 + fr * (C4 + fr * (C5 + fr * (C6 + fr * C7))))))) * EXP2_INT[n + RANGE];
        st[S_OCT] = oct;
        st[S_FACTOR] = factor;
      }
      const baseDt = (freqC ? freqV : freqB[i]) * factor * inv;
      const nv = st[S_VOICES] | 0;
      const out = (pos + HALF) & MASK;
      let sumL = 0;
      let sumR = 0;
      for (let v = 0; v < nv; v++) {
        let dt = baseDt * st[S_RATIO + v];
        dt = dt < 0.5 ? dt : 0.5; // (baseDt > 0 by the param ranges)
        const gl = st[S_GAIN_L + v];
        const gr = st[S_GAIN_R + v];
        let p = st[S_PHASE + v] + dt;
        if (p >= 1) {
          // Wrap: a step of −2 (× gain) tau = p/dt samples ago (p − 1 is exact, p < 1.5).
          p -= 1;
          let x = (p / dt) * PHASES;
          if (!(x > 0)) x = 0;
          else if (x > PHASES) x = PHASES;
          let row = x | 0;
          if (row === PHASES) row = PHASES - 1;
          const frac = x - row;
          const r0 = row * TAPS;
          const al = -2 * gl;
          const ar = -2 * gr;
          for (let j = 0; j < TAPS; j++) {
            const a = table[r0 + j];
            const r = a + frac * (table[r0 + TAPS + j] - a);
            const slot = (out + j) & MASK;
            st[S_RING_L + slot] += al * r;
            st[S_RING_R + slot] += ar * r;
          }
        }
        st[S_PHASE + v] = p;
        sumL += gl * p;
        sumR += gr * p;
      }
      st[S_RING_L + pos] += 2 * sumL - st[S_SUM_L];
      st[S_RING_R + pos] += 2 * sumR - st[S_SUM_R];
      const g = gainC ? gainV : gainB[i];
      const yl = g * st[S_RING_L + out];
      const yr = g * st[S_RING_R + out];
      st[S_RING_L + out] = 0;
      st[S_RING_R + out] = 0;
      outL[i] = yl;
      outR[i] = yr;
      sq += yl * yl + yr * yr;
      pos = (pos + 1) & MASK;
    }
    st[S_POS] = pos;
    this.outputCheck[0] = sq;
  }

  /** Voice count, ratios and normalised gains from the param values in state[S_KEY_*]. */
  private updateVoices(): void {
    const st = this.state;
    const detune = st[S_KEY_DETUNE];
    const x = detune > 0 ? (detune < 1 ? detune : 1) : 0;
    const mixRaw = st[S_KEY_MIX];
    const mix = mixRaw > 0 ? (mixRaw < 1 ? mixRaw : 1) : 0;
    const spreadRaw = st[S_KEY_SPREAD];
    const spread = spreadRaw > 0 ? (spreadRaw < 1 ? spreadRaw : 1) : 0;
    let nv = Math.round(st[S_KEY_VOICES]);
    nv = nv >= 1 ? (nv <= MAX_VOICES ? nv : MAX_VOICES) : 1;
    const solo = this.solo;
    if (solo >= 0 && nv <= solo) nv = solo + 1;
    // Szabo's detune polynomial (Horner), constant term faded out towards x = 0.
    const poly = DETUNE_POLY;
    let amount = 0;
    for (let k = 0; k < 12; k++) amount = amount * x + poly[k];
    amount -= poly[11] * (1 - x);
    const centre = -0.55366 * mix + 0.99785;
    const side = ((-0.73764 * mix + 1.2841) * mix + 0.044372) * (x < X_UNISON ? x / X_UNISON : 1);
    const pairs = nv >> 1;
    let powerL = 0;
    let powerR = 0;
    for (let v = 0; v < nv; v++) {
      st[S_RATIO + v] = 1 + SUPERSAW_OFFSETS[v] * amount;
      let pan = 0;
      if (v > 0) {
        const k = (v + 1) >> 1; // pair number, 1 … pairs
        const flat = (v & 1) === 1;
        const left = flat === ((k & 1) === 1);
        pan = ((left ? -spread : spread) * k) / pairs;
      }
      const g = solo >= 0 ? (v === solo ? 1 : 0) : v === 0 ? centre : side;
      const gl = solo >= 0 ? g : g * Math.sqrt(1 - pan);
      const gr = solo >= 0 ? g : g * Math.sqrt(1 + pan);
      st[S_GAIN_L + v] = gl;
      st[S_GAIN_R + v] = gr;
      powerL += gl * gl;
      powerR += gr * gr;
    }
    const normL = solo >= 0 ? 1 : 1 / Math.sqrt(powerL);
    const normR = solo >= 0 ? 1 : 1 / Math.sqrt(powerR);
    let sumL = 0;
    let sumR = 0;
    for (let v = 0; v < nv; v++) {
      const gl = st[S_GAIN_L + v] * normL;
      const gr = st[S_GAIN_R + v] * normR;
      st[S_GAIN_L + v] = gl;
      st[S_GAIN_R + v] = gr;
      sumL += gl;
      sumR += gr;
    }
    st[S_VOICES] = nv;
    st[S_SUM_L] = sumL;
    st[S_SUM_R] = sumR;
  }
}

export const supersawModule = decl.withKernel(SupersawKernel);

// hat: hi-hat voice after the TR-808: six square oscillators at enharmonic frequencies, plus
// noise, through a band-pass and a high-pass filter, shaped by an exponential decay; closed or
// open (longer decay), with a choke group so a closed hit cuts an open tail.
//
// Sources: K. J. Werner, J. S. Abel, J. O. Smith, "The TR-808 Cymbal: a Physically-Informed,
// Circuit-Bendable, Digital Model", ICMC-SMC 2014 (six Schmitt-trigger square oscillators at
// about 205.3, 304.4, 369.6, 522.7, 540 and 800 Hz, summed, band-passed, enveloped and
// high-passed; the hi-hats share the cymbal's oscillator bank); G. Reid, "Synth Secrets" part 39
// (cymbals), Sound On Sound, Jul 2002 (the 808's metallic bank split by band-pass filters, shaped
// by VCAs, then high-passed). Here the envelope comes last, after both filters, so a choke
// silences the output at once (no filter tail after the VCA). Squares band-limited
// by polyBLEP: V. Välimäki, A. Huovilainen, "Antialiasing Oscillators in Subtractive
// Synthesis", IEEE Signal Processing Magazine 24(2), 2007 (two-sample polynomial residual at
// each edge, no latency). Filters: trapezoidal state-variable filters (V. Zavalishin, "The Art
// of VA Filter Design", ch. 4), as in filter.ts.
//
// Definitions (v the hit's velocity, b = 0.5 + 0.5·v its brightness):
// - metal: the mean of six ±1 squares at HAT_FREQS × tune, band-limited by polyBLEP (free-running
//   while the voice sounds, frozen while idle, so a hit continues the bank where the last one
//   stopped; a new tune keeps their phases).
// - x = metal + 0.2·noise·white (white noise from lib/random.ts, free-running likewise; at
//   noise 1 it is about as loud as the oscillators after the filters).
// - band-pass (0 dB at the centre, Q 1) centred at tone·b, then a 2-pole high-pass
//   (Butterworth, Q 0.707) at 0.7·tone·b; both run only while the voice sounds.
// - out = level · choke gain · HAT_GAIN · e(n) · filtered, e(n) = v·10^(−3n/N),
//   N = decay·10^open ms: `decay` is the closed hat's time to −60 dB, open = 1 makes it 10×.
//   `level` is read per sample, the other params at the hit.
// Silence (lib/drum.ts): idle from the sample where e(n) or the choke gain is below 1e-6. The
//   envelope runs first over each span (a product per sample, the same as in a fused loop), so
//   the oscillators, the noise and the filters run exactly up to that sample, however the
//   timeline is cut.

import { defineModule } from '../define.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import {
  D_ACTIVE, D_CHOKE_COEF, D_CHOKE_GAIN, D_VELOCITY, DRUM_STATE_BASE, DrumKernel, IDLE_LEVEL as LIB_IDLE, LN_1000,
} from '../lib/drum.js';
import { fillBipolar, seedState } from '../lib/random.js';

const decl = defineModule({
  type: 'hat',
  doc:
    'Hi-hat after the TR-808: six square oscillators (205.3, 304.4, 369.6, 522.7, 540, 800 Hz × `tune`) plus noise, ' +
    'band-passed at `tone` and high-passed, with an exponential decay (`decay` = time to −60 dB of the closed hat; ' +
    '`open` lengthens it up to 10×). Give a closed and an open hat the same `choke` group: a hit of one cuts the other. ' +
    'Hit by /gate (velocity scales level and brightness) or by a rising edge on `trig`; gate off is ignored. Params are ' +
    'read at each hit, except `level`.',
  params: [
    { id: 'tune', unit: 'ratio', min: 0.5, max: 2, default: 1, smoothingMs: 0, scale: 'exp', doc: 'Scales the six oscillator frequencies.' },
    { id: 'decay', unit: 'ms', min: 5, max: 1000, default: 60, smoothingMs: 0, scale: 'exp', doc: 'Time to −60 dB with `open` 0 (closed hat).' },
    { id: 'open', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 0, doc: 'How open the hat is: the time to −60 dB is decay × 10^open (0 closed, 1 open: 10×).' },
    { id: 'tone', unit: 'Hz', min: 2000, max: 16000, default: 9000, smoothingMs: 0, scale: 'exp', doc: 'Band-pass centre (the high-pass sits at 0.7 × tone); lowered by up to an octave for soft hits.' },
    { id: 'noise', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 0, doc: 'White noise added to the oscillators before the filters (1: about as loud as the oscillators).' },
    { id: 'level', unit: 'level', min: 0, max: 1, default: 0.8, smoothingMs: 5, doc: 'Output level. Read per sample.' },
    { id: 'choke', unit: 'ratio', min: 0, max: 16, default: 0, smoothingMs: 0, modulatable: false, doc: 'Choke group (0 = none): a hit of another module of the group fades this one out (−60 dB in 3 ms).' },
  ],
  inputs: [{ id: 'trig', doc: 'Trigger: a rising edge (a sample > 0 after one ≤ 0) hits on that sample, velocity = its value (at most 1).' }],
  outputs: [{ id: 'out', doc: 'The hat, mono.' }],
  gate: true,
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** The TR-808 metallic oscillators (Hz), after Werner, Abel & Smith 2014. */
export const HAT_FREQS: readonly number[] = Object.freeze([205.3, 304.4, 369.6, 522.7, 540, 800]);
const FREQS = HAT_FREQS.slice();
const OSCILLATORS = 6;
/** Starting phases (cycles) of a fresh kernel: spread, so the six edges do not coincide. */
const START_PHASES = [0, 0.31, 0.57, 0.13, 0.79, 0.43];
/** Noise at `noise` 1 is about as loud as the oscillators after the filters (measured). */
const NOISE_SCALE = 0.2;
const BAND_Q = 1;
const HIGHPASS_Q = Math.SQRT1_2;
const HIGHPASS_RATIO = 0.7;
/** Output scaling (measured): peaks near 0.8 at the defaults and level 1. */
const HAT_GAIN = 5.5;
const OPEN_RANGE = 10;
const MAX_CENTRE = 0.45;
/** Shortest half period, in samples (a square then has one edge per sample at most). */
const MIN_HALF_PERIOD = 2;

const IDLE = LIB_IDLE;

// State layout (after the shared drum slots).
// Per oscillator (OSC_SLOTS each): samples from the current one to the next edge, the level
// before that edge (±1), the residual carried to the next sample, the half period (samples).
const OSC_SLOTS = 4;
const S_OSCS = DRUM_STATE_BASE;
const S_ENV = S_OSCS + OSC_SLOTS * OSCILLATORS;
const S_ENV_COEF = S_ENV + 1;
const S_NOISE = S_ENV + 2;
const S_BP1 = S_ENV + 3; // band-pass integrators
const S_BP2 = S_ENV + 4;
const S_BPA1 = S_ENV + 5; // band-pass a1, a2, a3
const S_BPA2 = S_ENV + 6;
const S_BPA3 = S_ENV + 7;
const S_HP1 = S_ENV + 8; // high-pass integrators
const S_HP2 = S_ENV + 9;
const S_HPA1 = S_ENV + 10;
const S_HPA2 = S_ENV + 11;
const S_HPA3 = S_ENV + 12;
const S_RNG = S_ENV + 13;
const S_LAST_TUNE = S_ENV + 14; // params of the cached coefficients (−1: none yet)
const S_LAST_DECAY = S_ENV + 15;
const S_LAST_OPEN = S_ENV + 16;
const STATE_SIZE = S_ENV + 17;

export class HatKernel extends DrumKernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;
  private readonly sampleRate: number;
  private readonly piOverFs: number;
  private readonly maxCentre: number;
  private readonly rngStart: number;
  /** Per-sample gain e(n)·choke gain of the current span (scratch). */
  private readonly gains: Float64Array;
  /** Oscillator sum, then noise, of the current span (scratch). */
  private readonly metal: Float64Array;
  private readonly noise: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io, IN.trig, OUT.out);
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.sampleRate = ctx.sampleRate;
    this.piOverFs = Math.PI / ctx.sampleRate;
    this.maxCentre = MAX_CENTRE * ctx.sampleRate;
    this.rngStart = seedState(ctx.seed);
    this.gains = new Float64Array(ctx.maxBlock);
    this.metal = new Float64Array(ctx.maxBlock);
    this.noise = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    // Oscillator k at phase p (cycles), at tune 1: the next edge is at phase ½ or 1.
    for (let k = 0; k < OSCILLATORS; k++) {
      const o = S_OSCS + OSC_SLOTS * k;
      const p = START_PHASES[k];
      const half = this.sampleRate / (2 * FREQS[k]);
      st[o] = (p < 0.5 ? 0.5 - p : 1 - p) * 2 * half;
      st[o + 1] = p < 0.5 ? 1 : -1;
      st[o + 2] = 0;
      st[o + 3] = half;
    }
    st[S_RNG] = this.rngStart;
    st[S_LAST_TUNE] = -1;
    st[S_LAST_DECAY] = -1;
    st[S_LAST_OPEN] = -1;
  }

  protected hit(i: number): void {
    const st = this.state;
    const p = this.io.params;
    const v = st[D_VELOCITY];
    const tuneP = p[P.tune];
    const decayP = p[P.decay];
    const openP = p[P.open];
    const toneP = p[P.tone];
    const noiseP = p[P.noise];
    const tune = tuneP.isConstant ? tuneP.value : tuneP.buffer[i];
    const decay = decayP.isConstant ? decayP.value : decayP.buffer[i];
    const open = openP.isConstant ? openP.value : openP.buffer[i];
    const tone = toneP.isConstant ? toneP.value : toneP.buffer[i];
    st[S_NOISE] = NOISE_SCALE * (noiseP.isConstant ? noiseP.value : noiseP.buffer[i]);
    if (tune !== st[S_LAST_TUNE]) {
      st[S_LAST_TUNE] = tune;
      // A new tune keeps each oscillator's phase: the time to its next edge scales too.
      for (let k = 0; k < OSCILLATORS; k++) {
        const o = S_OSCS + OSC_SLOTS * k;
        const half = this.sampleRate / (2 * FREQS[k] * tune);
        const h = half > MIN_HALF_PERIOD ? half : MIN_HALF_PERIOD;
        st[o] *= h / st[o + 3];
        st[o + 3] = h;
      }
    }
    if (decay !== st[S_LAST_DECAY] || open !== st[S_LAST_OPEN]) {
      st[S_LAST_DECAY] = decay;
      st[S_LAST_OPEN] = open;
      st[S_ENV_COEF] = Math.exp(-LN_1000 / (decay * Math.pow(OPEN_RANGE, open) * this.samplesPerMs));
    }
    st[S_ENV] = v;
    // Filter coefficients at the velocity's brightness: g = tan(π·fc/fs) (lib/fast-math.ts
    // tanApprox, written out), k = 1/Q, a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2.
    let centre = tone * (0.5 + 0.5 * v);
    if (centre > this.maxCentre) centre = this.maxCentre;
    let w = this.piOverFs * centre;
    let w2 = w * w;
    let g = (w * (135135 + w2 * (-17325 + w2 * (378 - w2)))) / (135135 + w2 * (-62370 + w2 * (3150 - 28 * w2)));
    let a1 = 1 / (1 + g * (g + 1 / BAND_Q));
    st[S_BPA1] = a1;
    st[S_BPA2] = g * a1;
    st[S_BPA3] = g * g * a1;
    w = this.piOverFs * HIGHPASS_RATIO * centre;
    w2 = w * w;
    g = (w * (135135 + w2 * (-17325 + w2 * (378 - w2)))) / (135135 + w2 * (-62370 + w2 * (3150 - 28 * w2)));
    a1 = 1 / (1 + g * (g + 1 / HIGHPASS_Q));
    st[S_HPA1] = a1;
    st[S_HPA2] = g * a1;
    st[S_HPA3] = g * g * a1;
    this.startVoice();
  }

  protected render(from: number, to: number): void {
    const st = this.state;
    // 1. Envelope (and choke gain) up to the sample where the voice falls silent.
    const gains = this.gains;
    let env = st[S_ENV];
    const envCoef = st[S_ENV_COEF];
    let chokeGain = st[D_CHOKE_GAIN];
    const chokeCoef = st[D_CHOKE_COEF];
    let stop = to;
    let idle = 0;
    for (let i = from; i < to; i++) {
      gains[i] = env * chokeGain;
      env *= envCoef;
      chokeGain *= chokeCoef;
      if (env < IDLE || chokeGain < IDLE) {
        stop = i + 1;
        idle = 1;
        break;
      }
    }
    st[S_ENV] = env;
    st[D_CHOKE_GAIN] = chokeGain;
    // 2. The oscillator bank and the noise over [from, stop).
    const metal = this.metal;
    metal.fill(0, from, stop);
    for (let k = 0; k < OSCILLATORS; k++) this.addSquare(k, from, stop);
    const noise = this.noise;
    fillBipolar(st, S_RNG, noise, from, stop);
    // 3. Filters and output.
    const out = this.io.outputs[OUT.out];
    const levelP = this.io.params[P.level];
    const levelConst = levelP.isConstant;
    const levelValue = levelP.value;
    const levelBuf = levelP.buffer;
    const noiseAmount = st[S_NOISE];
    let bp1 = st[S_BP1];
    let bp2 = st[S_BP2];
    const ba1 = st[S_BPA1];
    const ba2 = st[S_BPA2];
    const ba3 = st[S_BPA3];
    let hp1 = st[S_HP1];
    let hp2 = st[S_HP2];
    const ha1 = st[S_HPA1];
    const ha2 = st[S_HPA2];
    const ha3 = st[S_HPA3];
    const kBand = 1 / BAND_Q;
    const kHigh = 1 / HIGHPASS_Q;
    let sq = 0;
    for (let i = from; i < stop; i++) {
      const x = metal[i] + noiseAmount * noise[i];
      // Band-pass (0 dB peak: k·v1).
      let v3 = x - bp2;
      let v1 = ba1 * bp1 + ba2 * v3;
      let v2 = bp2 + ba2 * bp1 + ba3 * v3;
      bp1 = 2 * v1 - bp1;
      bp2 = 2 * v2 - bp2;
      const band = kBand * v1;
      // High-pass: v0 − k·v1 − v2.
      v3 = band - hp2;
      v1 = ha1 * hp1 + ha2 * v3;
      v2 = hp2 + ha2 * hp1 + ha3 * v3;
      hp1 = 2 * v1 - hp1;
      hp2 = 2 * v2 - hp2;
      const high = band - kHigh * v1 - v2;
      const o = (levelConst ? levelValue : levelBuf[i]) * HAT_GAIN * gains[i] * high;
      out[i] = o;
      sq += o * o;
    }
    st[S_BP1] = bp1;
    st[S_BP2] = bp2;
    st[S_HP1] = hp1;
    st[S_HP2] = hp2;
    if (idle !== 0) {
      out.fill(0, stop, to);
      st[D_ACTIVE] = 0;
    }
    this.outputCheck[0] += sq;
  }

  /**
   * Adds oscillator k's band-limited square over [from, to) to `metal`: the two-sample polyBLEP
   * of Välimäki & Huovilainen (2007) written in terms of the edge's time. The oscillator counts
   * down the (fractional) samples to its next edge; when the edge falls at τ ∈ (0, 1] after
   * the current sample, that sample gets the residual −L·(1 − τ)² and the next one +L·τ² (L the
   * level before the edge, which then flips): the phase-domain residuals x² + 2x + 1 and
   * 2x − x² − 1 at x = −τ and 1 − τ. Half periods are at least 2 samples: one edge per sample.
   */
  private addSquare(k: number, from: number, to: number): void {
    const st = this.state;
    const metal = this.metal;
    const o = S_OSCS + OSC_SLOTS * k;
    let toEdge = st[o];
    let level = st[o + 1];
    let carry = st[o + 2];
    const half = st[o + 3];
    const scale = 1 / OSCILLATORS;
    for (let i = from; i < to; i++) {
      let s = level + carry;
      carry = 0;
      if (toEdge <= 1) {
        const u = 1 - toEdge;
        s -= level * u * u;
        carry = level * toEdge * toEdge;
        level = -level;
        toEdge += half;
      }
      metal[i] += scale * s;
      toEdge -= 1;
    }
    st[o] = toEdge;
    st[o + 1] = level;
    st[o + 2] = carry;
  }
}

export const hatModule = decl.withKernel(HatKernel);

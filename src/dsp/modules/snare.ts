// snare: snare drum voice. A tuned body of five membrane modes (decaying sines) plus band-passed
// noise for the snares, with separate decays.
//
// Sources: G. Reid, "Synth Secrets: Synthesizing Drums: The Snare Drum" and "Practical Snare
// Drum Synthesis", Sound On Sound, Mar and Apr 2002 (a snare is a set of enharmonic drum modes
// plus the snares' band-limited noise, each with its own contour; the TR-808/909 snares mix
// tuned oscillators and filtered noise, `snappy` setting the noise level); N. H. Fletcher,
// T. D. Rossing, "The Physics of Musical Instruments", 2nd ed., Springer 1998, ch. 3 and 18
// (ideal circular membrane: mode (m, n) at j_mn/j_01 × the fundamental, where j_mn is the n-th
// zero of the Bessel function J_m; a strike at radius ρ excites mode (m, n) ∝ J_m(j_mn·ρ)).
//
// Definitions (n = samples since the hit, v the velocity, b = 0.5 + 0.5·v its brightness):
// - body: modes (0,1) (1,1) (2,1) (0,2) (3,1) at f_k = tune × MODE_RATIOS[k] = 1, 1.5933, 2.1355,
//   2.2954, 2.6531 (Bessel zeros j_mn/j_01), each a two-pole resonator
//   y = 2r·cos ω·y₁ − r²·y₂ + g·u(n), restarted from rest at the hit and driven by the stick's
//   force pulse u(n) = sin²(π(n + 1)/(N + 1)), n < N, N = 0.5 ms (a finite contact time band-limits
//   the onset, as a stick's does; u(0) > 0, so the hit's first sample is non-zero). g is set so
//   that after the pulse the mode rings at A_k·r_k^n exactly (g = A·sin ω / |Σ u(m)·r^(−m)·e^(−iωm)|).
//   A_k = BODY_GAIN·v·b^k·MODE_AMPS[k], the amps J_m(j_mn/3)/J_0(j_01/3) of a strike at a third
//   of the radius; r_k gives mode k a T60 of decay/√ratio_k (higher modes die sooner; `decay`
//   is the fundamental's time to −60 dB).
// - noise: white noise (lib/random.ts, free-running while the voice sounds) through a
//   trapezoidal state-variable band-pass (Zavalishin, "The Art of VA Filter Design", ch. 4;
//   0 dB at the centre, Q 0.5: about two octaves wide) centred at fc = tone·b, times
//   NOISE_GAIN·√(3000/fc)·snappy·v·10^(−3n/(noise_decay·fs)): `noise_decay` is its time to
//   −60 dB, and the noise's level does not depend on the band's width.
// - out = level · choke gain · (body + noise); `level` is read per sample, the rest at the hit.
// Silence (lib/drum.ts): idle from the sample where both the body's bound Σ A_k·r_max^n (its
//   modes' envelopes after the pulse) and the noise envelope are below 1e-6 (or the choke gain
//   is), decided per sample; the noise generator then stops exactly there. When only one of the
//   two has fallen below 1e-6 it is set to exact zeros there (modes at rest, noise envelope 0),
//   so a long part never leaves the other decaying into subnormal numbers.

import { defineModule } from '../define.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import {
  D_ACTIVE, D_CHOKE_COEF, D_CHOKE_GAIN, D_VELOCITY, DRUM_STATE_BASE, DrumKernel, IDLE_LEVEL as LIB_IDLE, LN_1000,
} from '../lib/drum.js';
import { fillBipolar, seedState, stepHeldBipolar } from '../lib/random.js';

const decl = defineModule({
  type: 'snare',
  doc:
    'Snare drum: five membrane modes (1, 1.59, 2.14, 2.30, 2.65 × `tune`) plus band-passed noise (`snappy`), each with its ' +
    'own decay (time to −60 dB). Hit by /gate (velocity scales level and brightness) or by a rising edge on `trig`; gate ' +
    'off is ignored. Params are read at each hit, except `level`.',
  params: [
    { id: 'tune', unit: 'Hz', min: 80, max: 400, default: 180, smoothingMs: 0, scale: 'exp', doc: 'Frequency of the lowest body mode.' },
    { id: 'decay', unit: 'ms', min: 20, max: 2000, default: 150, smoothingMs: 0, scale: 'exp', doc: 'Time for the lowest body mode to fall by 60 dB (higher modes: decay/√ratio).' },
    { id: 'snappy', unit: 'level', min: 0, max: 1, default: 0.6, smoothingMs: 0, doc: 'Level of the noise (the snares); 0 = body only.' },
    { id: 'noise_decay', unit: 'ms', min: 20, max: 2000, default: 200, smoothingMs: 0, scale: 'exp', doc: 'Time for the noise to fall by 60 dB.' },
    { id: 'tone', unit: 'Hz', min: 500, max: 12000, default: 3000, smoothingMs: 0, scale: 'exp', doc: 'Centre of the noise band (band-pass, Q 0.5), lowered by up to an octave for soft hits.' },
    { id: 'level', unit: 'level', min: 0, max: 1, default: 0.8, smoothingMs: 5, doc: 'Output level. Read per sample.' },
    { id: 'choke', unit: 'ratio', min: 0, max: 16, default: 0, smoothingMs: 0, modulatable: false, doc: 'Choke group (0 = none): a hit of another module of the group fades this one out (−60 dB in 3 ms).' },
  ],
  inputs: [{ id: 'trig', doc: 'Trigger: a rising edge (a sample > 0 after one ≤ 0) hits on that sample, velocity = its value (at most 1).' }],
  outputs: [{ id: 'out', doc: 'The drum, mono.' }],
  gate: true,
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

/** Ideal membrane modes (0,1) (1,1) (2,1) (0,2) (3,1): j_mn / j_01. */
const MODE_RATIOS = [2.404825557695773, 3.831705970207512, 5.135622301840683, 5.520078110286311, 6.380161895923984]
  .map((j) => j / 2.404825557695773);
export const SNARE_MODE_RATIOS: readonly number[] = Object.freeze(MODE_RATIOS.slice());
/** Excitation of each mode by a strike at a third of the radius: J_m(j_mn/3) / J_0(j_01/3). */
const MODE_AMPS = [1, 0.611, 0.337, 0.374, 0.177];
const MODES = 5;
/**
 * Output scaling (measured): at the defaults and level 1 the peak is about 0.9. The noise gain
 * is NOISE_GAIN·√(NOISE_REF_HZ/centre), so its level does not grow with the band's width.
 */
const BODY_GAIN = 0.37;
const NOISE_GAIN = 0.41;
const NOISE_REF_HZ = 3000;
const NOISE_Q = 0.5;
const MAX_CENTRE = 0.45;
/** Stick contact time (the force pulse's length). */
const CONTACT_MS = 0.5;

const IDLE = LIB_IDLE;

// State layout (after the shared drum slots): per mode y₁, y₂, 2r·cos ω, r², the drive g of this
// hit and the cached g/A (MODE_SLOTS each).
const MODE_SLOTS = 6;
const S_MODES = DRUM_STATE_BASE;
const S_BODY_BOUND = S_MODES + MODE_SLOTS * MODES; // Σ A_k · r_max^n
const S_BODY_COEF = S_BODY_BOUND + 1; // r_max
const S_NOISE_ENV = S_BODY_BOUND + 2;
const S_NOISE_COEF = S_BODY_BOUND + 3;
const S_IC1 = S_BODY_BOUND + 4; // band-pass integrator states
const S_IC2 = S_BODY_BOUND + 5;
const S_A1 = S_BODY_BOUND + 6; // band-pass coefficients (a1, a2, a3 of the TPT SVF)
const S_A2 = S_BODY_BOUND + 7;
const S_A3 = S_BODY_BOUND + 8;
const S_RNG = S_BODY_BOUND + 9;
const S_SCRATCH = S_BODY_BOUND + 10;
// Cache of the coefficients that need transcendental functions, keyed by the params they follow
// (−1 = none yet): a roll of hits with the same params costs no exp/sin/cos.
const S_LAST_TUNE = S_BODY_BOUND + 11;
const S_LAST_DECAY = S_BODY_BOUND + 12;
const S_LAST_NOISE_DECAY = S_BODY_BOUND + 13;
const S_PULSE = S_BODY_BOUND + 14; // samples of the force pulse played
const STATE_SIZE = S_BODY_BOUND + 15;

export class SnareKernel extends DrumKernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;
  private readonly piOverFs: number;
  private readonly maxCentre: number;
  private readonly rngStart: number;
  private readonly noise: Float64Array;
  /** The force pulse u(n), n < N. */
  private readonly pulse: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io, IN.trig, OUT.out);
    const n = Math.max(1, Math.round((CONTACT_MS * ctx.sampleRate) / 1000));
    this.pulse = new Float64Array(n);
    for (let m = 0; m < n; m++) this.pulse[m] = Math.sin((Math.PI * (m + 1)) / (n + 1)) ** 2;
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.piOverFs = Math.PI / ctx.sampleRate;
    this.maxCentre = MAX_CENTRE * ctx.sampleRate;
    this.rngStart = seedState(ctx.seed);
    this.noise = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_RNG] = this.rngStart;
    st[S_LAST_TUNE] = -1;
    st[S_LAST_DECAY] = -1;
    st[S_LAST_NOISE_DECAY] = -1;
  }

  protected hit(i: number): void {
    const st = this.state;
    const p = this.io.params;
    const v = st[D_VELOCITY];
    const tuneP = p[P.tune];
    const decayP = p[P.decay];
    const snappyP = p[P.snappy];
    const noiseDecayP = p[P.noise_decay];
    const toneP = p[P.tone];
    const tune = tuneP.isConstant ? tuneP.value : tuneP.buffer[i];
    const decay = decayP.isConstant ? decayP.value : decayP.buffer[i];
    const snappy = snappyP.isConstant ? snappyP.value : snappyP.buffer[i];
    const noiseDecay = noiseDecayP.isConstant ? noiseDecayP.value : noiseDecayP.buffer[i];
    const tone = toneP.isConstant ? toneP.value : toneP.buffer[i];
    const bright = 0.5 + 0.5 * v;
    if (tune !== st[S_LAST_TUNE] || decay !== st[S_LAST_DECAY]) {
      st[S_LAST_TUNE] = tune;
      st[S_LAST_DECAY] = decay;
      this.modeCoefficients();
    }
    if (noiseDecay !== st[S_LAST_NOISE_DECAY]) {
      st[S_LAST_NOISE_DECAY] = noiseDecay;
      st[S_NOISE_COEF] = Math.exp(-LN_1000 / (noiseDecay * this.samplesPerMs));
    }
    // Each mode restarts from rest, driven by the force pulse at g = A_k · (g/A).
    let amp = BODY_GAIN * v;
    let bound = 0;
    for (let k = 0; k < MODES; k++) {
      const a = amp * MODE_AMPS[k];
      const m = S_MODES + MODE_SLOTS * k;
      st[m] = 0;
      st[m + 1] = 0;
      st[m + 4] = a * st[m + 5];
      bound += a;
      amp *= bright;
    }
    st[S_BODY_BOUND] = bound;
    st[S_PULSE] = 0;
    // Band-pass coefficients: g = tan(π·fc/fs) (lib/fast-math.ts tanApprox, written out), k = 1/Q;
    // a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2.
    let centre = tone * bright;
    if (centre > this.maxCentre) centre = this.maxCentre;
    const w = this.piOverFs * centre;
    const w2 = w * w;
    const g = (w * (135135 + w2 * (-17325 + w2 * (378 - w2)))) / (135135 + w2 * (-62370 + w2 * (3150 - 28 * w2)));
    const a1 = 1 / (1 + g * (g + 1 / NOISE_Q));
    st[S_A1] = a1;
    st[S_A2] = g * a1;
    st[S_A3] = g * g * a1;
    st[S_NOISE_ENV] = NOISE_GAIN * Math.sqrt(NOISE_REF_HZ / centre) * snappy * v;
    this.startVoice();
  }

  /** Mode recursion coefficients for the tune and decay in state[S_LAST_TUNE], state[S_LAST_DECAY]. */
  private modeCoefficients(): void {
    const st = this.state;
    const tune = st[S_LAST_TUNE];
    const decaySamples = st[S_LAST_DECAY] * this.samplesPerMs;
    let rMax = 0;
    for (let k = 0; k < MODES; k++) {
      const ratio = MODE_RATIOS[k];
      const w = 2 * this.piOverFs * tune * ratio;
      const r = Math.exp((-LN_1000 * Math.sqrt(ratio)) / decaySamples);
      const m = S_MODES + MODE_SLOTS * k;
      st[m + 2] = 2 * r * Math.cos(w);
      st[m + 3] = r * r;
      // After the pulse the mode is Im[e^(iω(n+1))·r^n·U]/sin ω with U = Σ u(m)·r^(−m)·e^(−iωm).
      let re = 0;
      let im = 0;
      let rm = 1;
      for (let j = 0; j < this.pulse.length; j++) {
        re += this.pulse[j] * rm * Math.cos(w * j);
        im -= this.pulse[j] * rm * Math.sin(w * j);
        rm /= r;
      }
      st[m + 5] = Math.sin(w) / Math.sqrt(re * re + im * im);
      if (r > rMax) rMax = r;
    }
    st[S_BODY_COEF] = rMax;
  }

  protected render(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[OUT.out];
    const levelP = this.io.params[P.level];
    const levelConst = levelP.isConstant;
    const levelValue = levelP.value;
    const levelBuf = levelP.buffer;
    let y01 = st[S_MODES], y02 = st[S_MODES + 1];
    const c0 = st[S_MODES + 2], d0 = st[S_MODES + 3], g0 = st[S_MODES + 4];
    let y11 = st[S_MODES + 6], y12 = st[S_MODES + 7];
    const c1 = st[S_MODES + 8], d1 = st[S_MODES + 9], g1 = st[S_MODES + 10];
    let y21 = st[S_MODES + 12], y22 = st[S_MODES + 13];
    const c2 = st[S_MODES + 14], d2 = st[S_MODES + 15], g2 = st[S_MODES + 16];
    let y31 = st[S_MODES + 18], y32 = st[S_MODES + 19];
    const c3 = st[S_MODES + 20], d3 = st[S_MODES + 21], g3 = st[S_MODES + 22];
    let y41 = st[S_MODES + 24], y42 = st[S_MODES + 25];
    const c4 = st[S_MODES + 26], d4 = st[S_MODES + 27], g4 = st[S_MODES + 28];
    const pulse = this.pulse;
    const pulseLength = pulse.length;
    let played = st[S_PULSE];
    let bound = st[S_BODY_BOUND];
    const rMax = st[S_BODY_COEF];
    let noiseEnv = st[S_NOISE_ENV];
    const noiseCoef = st[S_NOISE_COEF];
    let ic1 = st[S_IC1];
    let ic2 = st[S_IC2];
    const a1 = st[S_A1];
    const a2 = st[S_A2];
    const a3 = st[S_A3];
    const kBand = 1 / NOISE_Q;
    let chokeGain = st[D_CHOKE_GAIN];
    const chokeCoef = st[D_CHOKE_COEF];
    const rngAtFrom = st[S_RNG];
    const noise = this.noise;
    fillBipolar(st, S_RNG, noise, from, to);
    let sq = 0;
    let i = from;
    let active = 1;
    while (i < to) {
      let u = 0;
      if (played < pulseLength) {
        u = pulse[played];
        played++;
      }
      const m0 = c0 * y01 - d0 * y02 + g0 * u;
      const m1 = c1 * y11 - d1 * y12 + g1 * u;
      const m2 = c2 * y21 - d2 * y22 + g2 * u;
      const m3 = c3 * y31 - d3 * y32 + g3 * u;
      const m4 = c4 * y41 - d4 * y42 + g4 * u;
      y02 = y01; y01 = m0;
      y12 = y11; y11 = m1;
      y22 = y21; y21 = m2;
      y32 = y31; y31 = m3;
      y42 = y41; y41 = m4;
      // Trapezoidal SVF band-pass (0 dB peak: k·v1).
      const v3 = noise[i] - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      const y = m0 + m1 + m2 + m3 + m4 + noiseEnv * kBand * v1;
      const o = (levelConst ? levelValue : levelBuf[i]) * chokeGain * y;
      out[i] = o;
      sq += o * o;
      bound *= rMax;
      noiseEnv *= noiseCoef;
      chokeGain *= chokeCoef;
      i++;
      if (bound < IDLE || noiseEnv < IDLE || chokeGain < IDLE) {
        if ((bound < IDLE && noiseEnv < IDLE) || chokeGain < IDLE) {
          active = 0;
          break;
        }
        // One part is silent while the other sounds on: it stops exactly (no subnormals later).
        if (bound < IDLE) {
          y01 = y02 = y11 = y12 = y21 = y22 = y31 = y32 = y41 = y42 = 0;
          bound = 0;
        } else {
          noiseEnv = 0;
        }
      }
    }
    if (active === 0) {
      out.fill(0, i, to);
      // The generator stops on the last sample played: rewind it to there (lib/random.ts is additive).
      st[S_RNG] = rngAtFrom;
      stepHeldBipolar(st, S_RNG, S_SCRATCH, i - from);
    }
    st[S_MODES] = y01; st[S_MODES + 1] = y02;
    st[S_MODES + 6] = y11; st[S_MODES + 7] = y12;
    st[S_MODES + 12] = y21; st[S_MODES + 13] = y22;
    st[S_MODES + 18] = y31; st[S_MODES + 19] = y32;
    st[S_MODES + 24] = y41; st[S_MODES + 25] = y42;
    st[S_PULSE] = played;
    st[S_BODY_BOUND] = bound;
    st[S_NOISE_ENV] = noiseEnv;
    st[S_IC1] = ic1;
    st[S_IC2] = ic2;
    st[D_CHOKE_GAIN] = chokeGain;
    st[D_ACTIVE] = active;
    this.outputCheck[0] += sq;
  }
}

export const snareModule = decl.withKernel(SnareKernel);

// kick: bass drum voice. A sine body whose pitch falls exponentially from tune·2^(sweep/12) to
// `tune`, an exponential amplitude decay, a short noise click, and soft saturation.
//
// Sources: the TR-808 bass drum as analysed by K. J. Werner, J. S. Abel, J. O. Smith, "A
// Physically-Informed, Circuit-Bendable, Digital Model of the Roland TR-808 Bass Drum Circuit",
// DAFx-14 (a decaying sine-like resonance whose pitch glides down after the hit, plus the
// trigger pulse as a click); G. Reid, "Synth Secrets: Practical Bass Drum Synthesis", Sound On
// Sound, Feb 2002 (the TR-909 bass drum: an oscillator whose pitch follows a fast-decaying
// contour, shaped towards a sine, an amplitude contour, and a filtered noise/pulse click).
//
// Definitions (n = samples since the hit, fs the sample rate, v the hit's velocity):
// - pitch: f(n) = tune · 2^(s(n)/12) with s(n) = S·e^(−n/(sweep_time·fs)) semitones, so the
//   first sample is at tune·2^(S/12) and the pitch tends to `tune`. S = sweep · b, where
//   b = 0.5 + 0.5·v is the velocity's brightness (softer hits sweep less, click less); S is
//   limited so that f stays below 0.45·fs.
// - body: e(n)·sin(2π·φ(n)), φ(n) = φ(n−1) + f(n)/fs with φ(−1) = 0 (the phase advances before
//   the first sample, so the first sample of a hit is non-zero: the onset is the hit's sample);
//   e(n) = v·10^(−3n/(decay·fs)): `decay` is the time to −60 dB, exactly.
// - click: white noise (lib/random.ts, restarted from the same generator state at every hit, so
//   equal hits are bit-identical), one-pole low-passed at 5 kHz, times click·b·v·10^(−3n/N) for
//   the N samples of CLICK_MS (then exactly 0).
// - drive: x = body + click; y = x + drive·(sat(g·x)/sat(g) − x), g = 1 + 7·drive, sat(u) =
//   u(27 + u²)/(27 + 9u²) clamped to ±1 for |u| ≥ 3 (a rational tanh-like curve, C1 at ±3).
//   drive 0 is exactly linear; at drive 1 a full-scale input stays full scale.
// - out = level · choke gain · y; `level` is read per sample, every other param at the hit.
// Silence (lib/drum.ts): idle from the sample where e(n) < 1e-6 and the click has ended, or
//   where the choke gain falls below 1e-6; decided per sample from the state. The sweep's
//   offset is flushed to 0 below 1e-30 semitones (no subnormal arithmetic in a long tail).
// Cost: the sine and 2^x are the Taylor polynomials of lib/fast-math.ts, written out and cut
//   shorter, as a kick needs: 2^f to f⁵ (relative error < 3e-6, 0.005 cent), sin θ to θ¹¹ on
//   |θ| ≤ π/2 (error < 6e-8, −144 dB); rounding by Math.floor(x + 0.5) (Math.round measured ~3×
//   slower in V8: 11 vs 3.3 ns).

import { defineModule } from '../define.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import {
  D_ACTIVE, D_CHOKE_COEF, D_CHOKE_GAIN, D_VELOCITY, DRUM_STATE_BASE, DrumKernel, IDLE_LEVEL as LIB_IDLE, LN_1000,
} from '../lib/drum.js';
import {
  EXP2_C1 as LIB_C1, EXP2_C2 as LIB_C2, EXP2_C3 as LIB_C3, EXP2_C4 as LIB_C4, EXP2_C5 as LIB_C5,
  SIN_S3 as LIB_S3, SIN_S5 as LIB_S5, SIN_S7 as LIB_S7, SIN_S9 as LIB_S9, SIN_S11 as LIB_S11,
} from '../lib/fast-math.js';
import { fillBipolar, seedState } from '../lib/random.js';

const decl = defineModule({
  type: 'kick',
  doc:
    'Bass drum: a sine body whose pitch falls exponentially from tune·2^(sweep/12) to `tune`, an exponential decay ' +
    '(`decay` = time to −60 dB), a short noise click and soft saturation. Hit by /gate (velocity scales level, sweep ' +
    'depth and click) or by a rising edge on `trig`; gate off is ignored. Params are read at each hit, except `level`.',
  params: [
    { id: 'tune', unit: 'Hz', min: 20, max: 200, default: 50, smoothingMs: 0, scale: 'exp', doc: 'Frequency the pitch falls to (the tail\'s pitch).' },
    { id: 'sweep', unit: 'semitones', min: 0, max: 48, default: 24, smoothingMs: 0, doc: 'Pitch at the hit above `tune`, in semitones (scaled by 0.5 + 0.5·velocity).' },
    { id: 'sweep_time', unit: 'ms', min: 1, max: 500, default: 30, smoothingMs: 0, scale: 'exp', doc: 'Time constant of the sweep: the offset falls to 1/e (37 %) of its semitones in this time.' },
    { id: 'decay', unit: 'ms', min: 10, max: 5000, default: 500, smoothingMs: 0, scale: 'exp', doc: 'Time for the body to fall by 60 dB.' },
    { id: 'click', unit: 'level', min: 0, max: 1, default: 0.3, smoothingMs: 0, doc: 'Level of the click: a 6 ms low-passed noise transient at the hit.' },
    { id: 'drive', unit: 'level', min: 0, max: 1, default: 0.2, smoothingMs: 0, doc: 'Soft saturation: 0 = linear, 1 = input gain ×8 into a tanh-like curve (full scale stays full scale).' },
    { id: 'level', unit: 'level', min: 0, max: 1, default: 0.8, smoothingMs: 5, doc: 'Output level: the body\'s peak at velocity 1, drive 0. Read per sample.' },
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

/** Length of the click (ms): −60 dB at its end, then exactly 0. */
const CLICK_MS = 6;
const CLICK_LOWPASS_HZ = 5000;
/** Drive gain at drive = 1 is 1 + DRIVE_RANGE. */
const DRIVE_RANGE = 7;
/** Highest pitch (fraction of fs) the sweep may start at. */
const MAX_PITCH = 0.45;

// Module-local copies (V8 folds these in hot loops, not imported bindings).
const IDLE = LIB_IDLE;
/** The sweep's offset (semitones) is flushed to 0 below this: it never goes subnormal. */
const DENORMAL_FLOOR = 1e-30;
const C1 = LIB_C1;
const C2 = LIB_C2;
const C3 = LIB_C3;
const C4 = LIB_C4;
const C5 = LIB_C5;
const S3 = LIB_S3;
const S5 = LIB_S5;
const S7 = LIB_S7;
const S9 = LIB_S9;
const S11 = LIB_S11;
const TWO_PI = 2 * Math.PI;
const INV_12 = 1 / 12;
/** 2^n for n = 0..4 (the sweep's octaves, at most 48/12 = 4). */
const POW2 = new Float64Array([1, 2, 4, 8, 16]);

// State layout (after the shared drum slots).
const S_PHASE = DRUM_STATE_BASE; // φ, turns in [0, 1)
const S_OFFSET = DRUM_STATE_BASE + 1; // s(n), semitones
const S_OFFSET_COEF = DRUM_STATE_BASE + 2; // e^(−1/(sweep_time·fs))
const S_BASE_INC = DRUM_STATE_BASE + 3; // tune/fs
const S_ENV = DRUM_STATE_BASE + 4; // e(n)
const S_ENV_COEF = DRUM_STATE_BASE + 5;
const S_CLICK_ENV = DRUM_STATE_BASE + 6;
const S_CLICK_LEFT = DRUM_STATE_BASE + 7; // click samples still to play
const S_CLICK_LP = DRUM_STATE_BASE + 8; // one-pole low-pass state
const S_DRIVE = DRUM_STATE_BASE + 9;
const S_DRIVE_GAIN = DRUM_STATE_BASE + 10;
const S_DRIVE_NORM = DRUM_STATE_BASE + 11; // 1/sat(g)
const S_RNG = DRUM_STATE_BASE + 12;
const S_MAX_SWEEP = DRUM_STATE_BASE + 13; // highest offset (semitones) below MAX_PITCH·fs
const S_LAST_TUNE = DRUM_STATE_BASE + 14; // params of the cached coefficients (−1: none yet)
const S_LAST_SWEEP_TIME = DRUM_STATE_BASE + 15;
const S_LAST_DECAY = DRUM_STATE_BASE + 16;
const STATE_SIZE = DRUM_STATE_BASE + 17;

export class KickKernel extends DrumKernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;
  private readonly invSampleRate: number;
  private readonly clickSamples: number;
  private readonly clickCoef: number;
  private readonly clickLowpass: number;
  private readonly rngStart: number;
  /** Click noise of the current call (scratch). */
  private readonly noise: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io, IN.trig, OUT.out);
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.invSampleRate = 1 / ctx.sampleRate;
    this.clickSamples = Math.max(1, Math.round(CLICK_MS * this.samplesPerMs));
    this.clickCoef = Math.exp(-LN_1000 / this.clickSamples);
    this.clickLowpass = 1 - Math.exp((-2 * Math.PI * CLICK_LOWPASS_HZ) / ctx.sampleRate);
    this.rngStart = seedState(ctx.seed);
    this.noise = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_LAST_TUNE] = -1;
    st[S_LAST_SWEEP_TIME] = -1;
    st[S_LAST_DECAY] = -1;
  }

  protected hit(i: number): void {
    const st = this.state;
    const p = this.io.params;
    const v = st[D_VELOCITY];
    const tuneP = p[P.tune];
    const sweepP = p[P.sweep];
    const timeP = p[P.sweep_time];
    const decayP = p[P.decay];
    const clickP = p[P.click];
    const driveP = p[P.drive];
    const tune = tuneP.isConstant ? tuneP.value : tuneP.buffer[i];
    const sweep = sweepP.isConstant ? sweepP.value : sweepP.buffer[i];
    const sweepTime = timeP.isConstant ? timeP.value : timeP.buffer[i];
    const decay = decayP.isConstant ? decayP.value : decayP.buffer[i];
    const click = clickP.isConstant ? clickP.value : clickP.buffer[i];
    const drive = driveP.isConstant ? driveP.value : driveP.buffer[i];
    const bright = 0.5 + 0.5 * v;
    // Coefficients that need exp/log are cached, keyed by their params (a roll of equal hits
    // computes none).
    if (tune !== st[S_LAST_TUNE]) {
      st[S_LAST_TUNE] = tune;
      st[S_BASE_INC] = tune * this.invSampleRate;
      const top = 12 * Math.log2(MAX_PITCH / st[S_BASE_INC]);
      st[S_MAX_SWEEP] = top > 0 ? top : 0;
    }
    if (sweepTime !== st[S_LAST_SWEEP_TIME]) {
      st[S_LAST_SWEEP_TIME] = sweepTime;
      st[S_OFFSET_COEF] = Math.exp(-1 / (sweepTime * this.samplesPerMs));
    }
    if (decay !== st[S_LAST_DECAY]) {
      st[S_LAST_DECAY] = decay;
      st[S_ENV_COEF] = Math.exp(-LN_1000 / (decay * this.samplesPerMs));
    }
    const s = sweep * bright;
    st[S_PHASE] = 0;
    st[S_OFFSET] = s < st[S_MAX_SWEEP] ? s : st[S_MAX_SWEEP];
    st[S_ENV] = v;
    st[S_CLICK_ENV] = click * bright * v;
    st[S_CLICK_LEFT] = click > 0 ? this.clickSamples : 0;
    st[S_CLICK_LP] = 0;
    const g = 1 + DRIVE_RANGE * drive;
    st[S_DRIVE] = drive;
    st[S_DRIVE_GAIN] = g;
    st[S_DRIVE_NORM] = g >= 3 ? 1 : (27 + 9 * g * g) / (g * (27 + g * g));
    st[S_RNG] = this.rngStart;
    this.startVoice();
  }

  protected render(from: number, to: number): void {
    const st = this.state;
    const out = this.io.outputs[OUT.out];
    const levelP = this.io.params[P.level];
    const levelConst = levelP.isConstant;
    const levelValue = levelP.value;
    const levelBuf = levelP.buffer;
    let phase = st[S_PHASE];
    let offset = st[S_OFFSET];
    const offsetCoef = st[S_OFFSET_COEF];
    const baseInc = st[S_BASE_INC];
    let env = st[S_ENV];
    const envCoef = st[S_ENV_COEF];
    let clickEnv = st[S_CLICK_ENV];
    let lp = st[S_CLICK_LP];
    const lpCoef = this.clickLowpass;
    const clickCoef = this.clickCoef;
    const drive = st[S_DRIVE];
    const g = st[S_DRIVE_GAIN];
    const norm = st[S_DRIVE_NORM];
    let chokeGain = st[D_CHOKE_GAIN];
    const chokeCoef = st[D_CHOKE_COEF];
    // The click's samples in this call: noise drawn for them only.
    const clickLeft = st[S_CLICK_LEFT];
    const clickEnd = clickLeft < to - from ? from + clickLeft : to;
    const noise = this.noise;
    if (clickEnd > from) fillBipolar(st, S_RNG, noise, from, clickEnd);
    let sq = 0;
    let i = from;
    let active = 1;
    while (i < to) {
      // Pitch: 2^(offset/12) (lib/fast-math.ts exp2Approx, to f⁵; 0 ≤ offset/12 ≤ 4).
      const x = offset * INV_12;
      const n = Math.floor(x + 0.5); // Math.round costs ~3× more in V8 here
      const f = x - n;
      const ratio = (1 + f * (C1 + f * (C2 + f * (C3 + f * (C4 + f * C5))))) * POW2[n];
      offset *= offsetCoef;
      if (offset < DENORMAL_FLOOR) offset = 0; // a long hit with a short sweep: never subnormal
      phase += baseInc * ratio;
      if (phase >= 1) phase -= 1;
      // sin(2πφ) (lib/fast-math.ts sinTurnsApprox, to θ¹¹).
      let r = phase - Math.floor(phase + 0.5);
      if (r > 0.25) r = 0.5 - r;
      else if (r < -0.25) r = -0.5 - r;
      const t = TWO_PI * r;
      const t2 = t * t;
      const sine = t * (1 + t2 * (S3 + t2 * (S5 + t2 * (S7 + t2 * (S9 + t2 * S11)))));
      let y = env * sine;
      env *= envCoef;
      if (i < clickEnd) {
        lp += lpCoef * (noise[i] - lp);
        y += clickEnv * lp;
        clickEnv *= clickCoef;
      }
      // Drive: y + drive·(sat(g·y)/sat(g) − y).
      const u = g * y;
      const sat = u >= 3 ? 1 : u <= -3 ? -1 : (u * (27 + u * u)) / (27 + 9 * u * u);
      y += drive * (sat * norm - y);
      const o = (levelConst ? levelValue : levelBuf[i]) * chokeGain * y;
      out[i] = o;
      sq += o * o;
      chokeGain *= chokeCoef;
      i++;
      if ((env < IDLE && i >= clickEnd && clickLeft - (clickEnd - from) <= 0) || chokeGain < IDLE) {
        active = 0;
        break;
      }
    }
    if (active === 0) out.fill(0, i, to);
    st[S_PHASE] = phase;
    st[S_OFFSET] = offset;
    st[S_ENV] = env;
    st[S_CLICK_ENV] = clickEnv;
    st[S_CLICK_LP] = lp;
    st[S_CLICK_LEFT] = clickLeft - (clickEnd - from);
    st[D_CHOKE_GAIN] = chokeGain;
    st[D_ACTIVE] = active;
    this.outputCheck[0] += sq;
  }
}

export const kickModule = decl.withKernel(KickKernel);

// clap: hand-clap voice after the TR-808: a few quick bursts of band-passed noise, the last one
// ringing out in a longer tail.
//
// Sources: Roland, TR-808 Service Notes (1981), the hand clap (CP) circuit: white noise through a
// band-pass near 1 kHz, shaped by a "sawtooth" envelope that discharges several times about
// 10 ms apart (the hands), plus a longer decaying envelope (the room); G. Reid, "Synth Secrets:
// Practical Snare Drum Synthesis", Sound On Sound, Apr 2002 (the 808/909 noise voices:
// band-passed noise under fast contours). Filter: a trapezoidal state-variable band-pass (V.
// Zavalishin, "The Art of VA Filter Design", ch. 4), as in filter.ts. Here the last burst's
// decay (`tail`) stands for the room envelope.
//
// Definitions (n = samples since the hit, v the velocity, b = 0.5 + 0.5·v its brightness,
// sp = spacing·fs/1000 samples, C = round(count)):
// - bursts: burst k (k = 0 … C − 1) starts on sample n_k = ⌈k·sp⌉ (so burst onsets are within
//   one sample of k·spacing); at its start the envelope jumps to v. Every burst but the last
//   decays with a T60 of 2·spacing (30 dB down when the next one starts, a sawtooth-like
//   contour); the last decays with a T60 of `tail`.
// - sound: white noise (lib/random.ts, free-running while the voice sounds) through a band-pass
//   (0 dB at the centre, Q 1.5) centred at fc = tone·b; the envelope is applied after the
//   filter, so every burst starts on its exact sample.
// - out = level · choke gain · CLAP_GAIN·√(1000/fc) · envelope · band-passed noise (the level
//   does not grow with the band's width); `level` is read per sample, the others at the hit.
// Silence (lib/drum.ts): idle from the sample where the last burst has started and its envelope
//   is below 1e-6, or the choke gain is below 1e-6. The envelope runs first over each span, so
//   the noise generator and the filter run exactly up to that sample, however the timeline is cut.

import { defineModule } from '../define.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import {
  D_ACTIVE, D_CHOKE_COEF, D_CHOKE_GAIN, D_VELOCITY, DRUM_STATE_BASE, DrumKernel, IDLE_LEVEL as LIB_IDLE, LN_1000,
} from '../lib/drum.js';
import { fillBipolar, seedState } from '../lib/random.js';

const decl = defineModule({
  type: 'clap',
  doc:
    'Hand clap after the TR-808: `count` bursts of band-passed noise (centre `tone`) `spacing` ms apart, the last one ' +
    'decaying over `tail` (time to −60 dB). Hit by /gate (velocity scales level and brightness) or by a rising edge on ' +
    '`trig`; gate off is ignored. Params are read at each hit, except `level`.',
  params: [
    { id: 'count', unit: 'ratio', min: 1, max: 8, default: 4, smoothingMs: 0, doc: 'Number of bursts (rounded to a whole number).' },
    { id: 'spacing', unit: 'ms', min: 1, max: 50, default: 10, smoothingMs: 0, doc: 'Time between burst onsets; each burst but the last falls 30 dB by the next.' },
    { id: 'tone', unit: 'Hz', min: 300, max: 8000, default: 1000, smoothingMs: 0, scale: 'exp', doc: 'Centre of the noise band (band-pass, Q 1.5); lowered by up to an octave for soft hits.' },
    { id: 'tail', unit: 'ms', min: 10, max: 2000, default: 200, smoothingMs: 0, scale: 'exp', doc: 'Time for the last burst to fall by 60 dB.' },
    { id: 'level', unit: 'level', min: 0, max: 1, default: 0.8, smoothingMs: 5, doc: 'Output level. Read per sample.' },
    { id: 'choke', unit: 'ratio', min: 0, max: 16, default: 0, smoothingMs: 0, modulatable: false, doc: 'Choke group (0 = none): a hit of another module of the group fades this one out (−60 dB in 3 ms).' },
  ],
  inputs: [{ id: 'trig', doc: 'Trigger: a rising edge (a sample > 0 after one ≤ 0) hits on that sample, velocity = its value (at most 1).' }],
  outputs: [{ id: 'out', doc: 'The clap, mono.' }],
  gate: true,
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;
const OUT = decl.output;

const BAND_Q = 1.5;
/**
 * Output scaling (measured): peaks near 0.75 at the defaults and level 1. The gain is
 * CLAP_GAIN·√(GAIN_REF_HZ/centre), so the level does not grow with the band's width.
 */
const CLAP_GAIN = 2.2;
const GAIN_REF_HZ = 1000;
/** A burst that another one follows has a T60 of this many spacings. */
const BURST_T60_SPACINGS = 2;
const MAX_CENTRE = 0.45;

const IDLE = LIB_IDLE;

// State layout (after the shared drum slots).
const S_ENV = DRUM_STATE_BASE;
const S_ENV_COEF = DRUM_STATE_BASE + 1; // factor of the running burst
const S_BURST_COEF = DRUM_STATE_BASE + 2; // factor of a burst that another follows
const S_TAIL_COEF = DRUM_STATE_BASE + 3; // factor of the last burst
const S_VELOCITY = DRUM_STATE_BASE + 4; // peak of every burst
const S_LEFT = DRUM_STATE_BASE + 5; // bursts still to start
const S_NEXT = DRUM_STATE_BASE + 6; // index k of the next burst
const S_NEXT_AT = DRUM_STATE_BASE + 7; // its onset, ⌈k·sp⌉ samples after the hit
const S_ELAPSED = DRUM_STATE_BASE + 8; // samples since the hit
const S_SPACING = DRUM_STATE_BASE + 9; // sp, samples
const S_IC1 = DRUM_STATE_BASE + 10; // band-pass integrators
const S_IC2 = DRUM_STATE_BASE + 11;
const S_A1 = DRUM_STATE_BASE + 12; // band-pass a1, a2, a3
const S_A2 = DRUM_STATE_BASE + 13;
const S_A3 = DRUM_STATE_BASE + 14;
const S_RNG = DRUM_STATE_BASE + 15;
const S_LAST_SPACING = DRUM_STATE_BASE + 16; // params of the cached coefficients (−1: none yet)
const S_LAST_TAIL = DRUM_STATE_BASE + 17;
const S_GAIN = DRUM_STATE_BASE + 18; // output gain of the hit's band
const STATE_SIZE = DRUM_STATE_BASE + 19;

export class ClapKernel extends DrumKernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly samplesPerMs: number;
  private readonly piOverFs: number;
  private readonly maxCentre: number;
  private readonly rngStart: number;
  /** Per-sample gain envelope·choke gain of the current span, then its noise (scratch). */
  private readonly gains: Float64Array;
  private readonly noise: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io, IN.trig, OUT.out);
    this.samplesPerMs = ctx.sampleRate / 1000;
    this.piOverFs = Math.PI / ctx.sampleRate;
    this.maxCentre = MAX_CENTRE * ctx.sampleRate;
    this.rngStart = seedState(ctx.seed);
    this.gains = new Float64Array(ctx.maxBlock);
    this.noise = new Float64Array(ctx.maxBlock);
    this.init();
  }

  protected override init(): void {
    const st = this.state;
    st[S_RNG] = this.rngStart;
    st[S_LAST_SPACING] = -1;
    st[S_LAST_TAIL] = -1;
  }

  protected hit(i: number): void {
    const st = this.state;
    const p = this.io.params;
    const v = st[D_VELOCITY];
    const countP = p[P.count];
    const spacingP = p[P.spacing];
    const toneP = p[P.tone];
    const tailP = p[P.tail];
    const count = Math.round(countP.isConstant ? countP.value : countP.buffer[i]);
    const spacing = spacingP.isConstant ? spacingP.value : spacingP.buffer[i];
    const tone = toneP.isConstant ? toneP.value : toneP.buffer[i];
    const tail = tailP.isConstant ? tailP.value : tailP.buffer[i];
    if (spacing !== st[S_LAST_SPACING]) {
      st[S_LAST_SPACING] = spacing;
      st[S_SPACING] = spacing * this.samplesPerMs;
      st[S_BURST_COEF] = Math.exp(-LN_1000 / (BURST_T60_SPACINGS * st[S_SPACING]));
    }
    if (tail !== st[S_LAST_TAIL]) {
      st[S_LAST_TAIL] = tail;
      st[S_TAIL_COEF] = Math.exp(-LN_1000 / (tail * this.samplesPerMs));
    }
    const left = count > 1 ? count - 1 : 0;
    st[S_ENV] = v;
    st[S_VELOCITY] = v;
    st[S_LEFT] = left;
    st[S_ENV_COEF] = left > 0 ? st[S_BURST_COEF] : st[S_TAIL_COEF];
    st[S_NEXT] = 1;
    st[S_NEXT_AT] = Math.ceil(st[S_SPACING]);
    st[S_ELAPSED] = 0;
    // Band-pass at the velocity's brightness: g = tan(π·fc/fs) (lib/fast-math.ts tanApprox,
    // written out), k = 1/Q, a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2.
    let centre = tone * (0.5 + 0.5 * v);
    if (centre > this.maxCentre) centre = this.maxCentre;
    const w = this.piOverFs * centre;
    const w2 = w * w;
    const g = (w * (135135 + w2 * (-17325 + w2 * (378 - w2)))) / (135135 + w2 * (-62370 + w2 * (3150 - 28 * w2)));
    const a1 = 1 / (1 + g * (g + 1 / BAND_Q));
    st[S_A1] = a1;
    st[S_A2] = g * a1;
    st[S_A3] = g * g * a1;
    st[S_GAIN] = (CLAP_GAIN / BAND_Q) * Math.sqrt(GAIN_REF_HZ / centre); // k·v1 is the 0 dB band-pass
    this.startVoice();
  }

  protected render(from: number, to: number): void {
    const st = this.state;
    // 1. Burst envelope (and choke gain) up to the sample where the voice falls silent.
    const gains = this.gains;
    let env = st[S_ENV];
    let coef = st[S_ENV_COEF];
    const burstCoef = st[S_BURST_COEF];
    const tailCoef = st[S_TAIL_COEF];
    const peak = st[S_VELOCITY];
    let left = st[S_LEFT];
    let next = st[S_NEXT];
    let nextAt = st[S_NEXT_AT];
    let elapsed = st[S_ELAPSED];
    const spacing = st[S_SPACING];
    let chokeGain = st[D_CHOKE_GAIN];
    const chokeCoef = st[D_CHOKE_COEF];
    let stop = to;
    let idle = 0;
    for (let i = from; i < to; i++) {
      if (left > 0 && elapsed >= nextAt) {
        env = peak;
        left--;
        coef = left > 0 ? burstCoef : tailCoef;
        next++;
        nextAt = Math.ceil(next * spacing);
      }
      gains[i] = env * chokeGain;
      env *= coef;
      chokeGain *= chokeCoef;
      elapsed++;
      if ((left === 0 && env < IDLE) || chokeGain < IDLE) {
        stop = i + 1;
        idle = 1;
        break;
      }
    }
    st[S_ENV] = env;
    st[S_ENV_COEF] = coef;
    st[S_LEFT] = left;
    st[S_NEXT] = next;
    st[S_NEXT_AT] = nextAt;
    st[S_ELAPSED] = elapsed;
    st[D_CHOKE_GAIN] = chokeGain;
    // 2. Noise through the band-pass, times the envelope.
    const noise = this.noise;
    fillBipolar(st, S_RNG, noise, from, stop);
    const out = this.io.outputs[OUT.out];
    const levelP = this.io.params[P.level];
    const levelConst = levelP.isConstant;
    const levelValue = levelP.value;
    const levelBuf = levelP.buffer;
    let ic1 = st[S_IC1];
    let ic2 = st[S_IC2];
    const a1 = st[S_A1];
    const a2 = st[S_A2];
    const a3 = st[S_A3];
    const gain = st[S_GAIN];
    let sq = 0;
    for (let i = from; i < stop; i++) {
      const v3 = noise[i] - ic2;
      const v1 = a1 * ic1 + a2 * v3;
      const v2 = ic2 + a2 * ic1 + a3 * v3;
      ic1 = 2 * v1 - ic1;
      ic2 = 2 * v2 - ic2;
      const o = (levelConst ? levelValue : levelBuf[i]) * gain * gains[i] * v1;
      out[i] = o;
      sq += o * o;
    }
    st[S_IC1] = ic1;
    st[S_IC2] = ic2;
    if (idle !== 0) {
      out.fill(0, stop, to);
      st[D_ACTIVE] = 0;
    }
    this.outputCheck[0] += sq;
  }
}

export const clapModule = decl.withKernel(ClapKernel);

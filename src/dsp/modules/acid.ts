// acid: a TB-303-style bass voice. Band-limited saw/square → diode ladder (lib/ladder.ts, with
// the 303's high-pass in the resonance path) → VCA, with the 303's two envelopes, accent and
// slide. Behaviour after the TB-303 as documented in R. Whittle's Devil Fish manual
// (firstpr.com.au/rwi/dfish: MEG decay 200 ms-2 s, 200 ms on accented notes; VEG decay ~3-4 s;
// 3 ms attack; slide 60 ms; a note ends in 8 ms at normal level, then 8 ms of linear decay; the
// filter self-oscillates only at mid and high frequencies), T. Stinchcombe's TB-303 diode ladder
// analysis, and the tunings of R. Schmidt's Open303 (feedback high-pass 150 Hz, accent sweep
// smoothing 15 ms, slide τ 60 ms). The constants are in ACID below.
//
// Contract (fs = sample rate; a "note" starts at a gate-on that finds the gate off):
// - Pitch: f = 2^L · 2^pitch, L the glided log2(freq · 2^(tune/1200)), pitch the input
//   (octaves, per sample, not glided). A note snaps L to its target on the gate's sample (no
//   slide); from then on L follows freq/tune at the sample they change.
// - Slide (legato): a gate-on while the gate is still on (a second /gate on without an off
//   between, as the 303 plays a step with slide set) retriggers nothing; from the gate's sample
//   on, L approaches its target T as an RC circuit in log-frequency,
//   L(n + j) = T − (T − L0)·e^(−(j + 1)/(τ·fs)), τ = slide, L0 the pitch before the gate (63.2 %
//   of the step τ·fs samples after the gate; slide 0 steps on the gate's sample). It keeps
//   gliding (also to later freq changes) until the next note.
// - Oscillator: saw 2p − 1 or 50 % square, 2-point polyBLEP (lib/polyblep.ts): no latency
//   (lib/blep.ts's cleaner tables delay by 8 samples; a bass voice behind a low-pass needs them
//   less than exact gate timing). A note from idle starts at phase ½ (the saw's zero crossing),
//   at level ±1 into the ladder (well into its tanh stages).
// - Filter: k = 17·res; fc = cutoff · 2^(env_mod·m + 2·w + cutoff_mod), clamped to
//   [5 Hz, 0.45·fs], per sample. m: the MEG, 1 on a note's first sample, m(n + j) = 0.001^(j/D)
//   (D = decay in samples: −60 dB at `decay`; accented notes: D = min(decay, 200 ms)). w: the
//   accent sweep, w += (a·m − w)·(1 − e^(−1/(τs·fs))) per sample, τs = 15 ms (its lag behind
//   the MEG).
// - VCA: gain · v · 10^(6·a/20): the accent factor is latched per note (smoothed with τ 1 ms at
//   a legato change, set at once for a note from idle). v: the VEG, a linear attack from its
//   current level at full scale per 3 ms (first step on the gate's sample), then −60 dB per 4 s
//   while the gate is on; gate off: linear to 0 in 8 ms (the 303's 8 ms hold before it is left
//   out).
// - Accent: a = the `accent` param (0–1) at the note's gate sample, so the sequencer's
//   `/seq/accent <seq> <acid> accent 1` accents its X steps, and a score sets `/mod/acid/accent`
//   before a gate. a > 0: +6·a dB level, MEG decay at most 200 ms, a sweep of up to 2·a
//   octaves. Gate velocity is not used (the 303 has none).
// - Idle: when the VEG's release reaches 0 the voice is idle from that sample on: the ladder
//   state, MEG and sweep are zeroed there and every later sample is an exact 0 without work,
//   until the next gate-on. The decision is taken per sample by the envelope, so it does not
//   depend on how calls are cut (gates arrive only between calls).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { POLYBLEP_STATE_SIZE, renderPolyBlep } from '../lib/polyblep.js';
import {
  DIODE_K_THRESHOLD,
  LADDER_CFG_SIZE,
  LADDER_STATE_SIZE,
  renderDiodeLadder,
  configureLadder,
  renderLadderGains,
} from '../lib/ladder.js';
import {
  EXP2_C1 as LIB_C1,
  EXP2_C2 as LIB_C2,
  EXP2_C3 as LIB_C3,
  EXP2_C4 as LIB_C4,
  EXP2_C5 as LIB_C5,
  EXP2_C6 as LIB_C6,
  EXP2_C7 as LIB_C7,
  EXP2_INT as LIB_EXP2_INT,
  EXP2_RANGE as LIB_EXP2_RANGE,
} from '../lib/fast-math.js';

export const ACID_WAVEFORMS = ['saw', 'square'] as const;

/** Documented constants (the tests restate them). */
export const ACID = Object.freeze({
  attackMs: 3,
  vegT60Ms: 4000,
  releaseMs: 8,
  accentDb: 6,
  accentDecayMs: 200,
  accentOctaves: 2,
  accentSweepMs: 15,
  levelSmoothMs: 1,
  feedbackHighPassHz: 150,
});

const decl = defineModule({
  type: 'acid',
  doc:
    'TB-303-style bass voice: band-limited saw/square into a diode ladder (with the 303 feedback high-pass), filter decay envelope (`env_mod` octaves, ' +
    '`decay` to −60 dB), amplitude envelope, per-note `accent` (+6 dB × accent, shorter decay, accent sweep), and `slide`: a gate on while the gate ' +
    'is still on glides (RC, τ = slide, in log-frequency) without retriggering.',
  params: [
    { id: 'freq', unit: 'Hz', min: 20, max: 5000, default: 55, smoothingMs: 0, scale: 'exp', aliases: ['frequency'], doc: 'Note frequency (sequencer lanes take note names). Applies at its sample; legato notes glide to it.' },
    { id: 'tune', unit: 'cents', min: -1200, max: 1200, default: 0, smoothingMs: 5, doc: 'Pitch offset: freq × 2^(tune/1200).' },
    { id: 'waveform', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: ACID_WAVEFORMS, modulatable: false, doc: 'Oscillator: saw or square.' },
    { id: 'cutoff', unit: 'Hz', min: 20, max: 12000, default: 500, smoothingMs: 5, scale: 'exp', doc: 'Filter cutoff (resonance frequency) before the envelopes.' },
    { id: 'res', unit: 'ratio', min: 0, max: 1.2, default: 0.6, smoothingMs: 5, doc: 'Resonance: 1 = self-oscillation threshold of the ladder (less below ~300 Hz: the feedback high-pass).' },
    { id: 'env_mod', unit: 'octaves', min: 0, max: 8, default: 3, smoothingMs: 5, doc: 'Filter envelope depth: the cutoff rises by env_mod octaves at a note start and decays back.' },
    { id: 'decay', unit: 'ms', min: 30, max: 3000, default: 400, smoothingMs: 0, scale: 'exp', doc: 'Filter envelope time to −60 dB (accented notes: at most 200 ms).' },
    { id: 'accent', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 0, doc: 'Accent of the notes that start while it is set (0 = none): +6·accent dB, decay ≤ 200 ms, a sweep of up to 2·accent octaves.' },
    { id: 'slide', unit: 'ms', min: 0, max: 1000, default: 60, smoothingMs: 0, doc: 'Slide time constant τ for legato notes (63 % of the pitch step after τ); 0 = step.' },
    { id: 'gain', unit: 'level', min: 0, max: 1, default: 0.5, smoothingMs: 5, aliases: ['amp'], doc: 'Output level of an unaccented note.' },
  ],
  inputs: [
    { id: 'pitch', doc: 'Pitch in octaves, per sample (1 V/oct): f × 2^pitch, after the slide.' },
    { id: 'cutoff_mod', doc: 'Filter cutoff modulation in octaves, per sample.' },
  ],
  outputs: [{ id: 'out', doc: 'Audio.' }],
  gate: true,
  // A gate-on while the gate is on slides (see the contract above): sequencer slide steps send it.
  legato: true,
  silentInSilentOut: false,
});

const P = decl.param;
const IN = decl.input;

// Module-local copies (V8 folds these in hot loops, not imported bindings).
const ACCENT_OCTAVES = 2;
const ACCENT_DECAY_MS = 200;
const LN_THOUSANDTH = Math.log(0.001);
const MAX_DT = 0.45;
const TINY = 1e-30;
const K_SCALE = DIODE_K_THRESHOLD;
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('acid: exp2 range out of sync with lib/fast-math.ts');
if (ACCENT_OCTAVES !== ACID.accentOctaves || ACCENT_DECAY_MS !== ACID.accentDecayMs) throw new Error('acid: constants out of sync');

// VEG stages.
const IDLE = 0;
const ATTACK = 1;
const HOLD = 2;
const RELEASE = 3;

// State layout.
const S_CORE = 0; // ladder core (LADDER_STATE_SIZE slots)
const S_OSC = LADDER_STATE_SIZE; // oscillator phase (lib/polyblep.ts)
const S_V = S_OSC + POLYBLEP_STATE_SIZE; // the voice's own slots from here
const S_LOGF = S_V; // glided log2 frequency
const S_GLIDE = S_V + 1; // 1 after a legato gate-on: L glides
const S_GATE = S_V + 2; // 1 while the gate is on
const S_PENDING = S_V + 3; // 0 none, 1 legato gate, 2 new note: latched at the next sample
const S_STAGE = S_V + 4; // VEG stage
const S_VEG = S_V + 5;
const S_REL_STEP = S_V + 6;
const S_MEG = S_V + 7;
const S_ACCENT = S_V + 8; // the note's accent (filter side)
const S_SWEEP = S_V + 9;
const S_LVL = S_V + 10; // smoothed accent level factor
const S_LVL_TARGET = S_V + 11;
// Caches (exact functions of their keys): pitch target, MEG and slide coefficients, increment.
const S_KEY_FREQ = S_V + 12;
const S_KEY_TUNE = S_V + 13;
const S_TARGET = S_V + 14;
const S_KEY_DECAY = S_V + 15;
const S_MEG_COEF = S_V + 16;
const S_KEY_SLIDE = S_V + 17;
const S_SLIDE_COEF = S_V + 18;
const S_KEY_PITCH = S_V + 19;
const S_DT = S_V + 20;
const STATE_SIZE = S_V + 21;

export class AcidKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  private readonly cfg = new Float64Array(LADDER_CFG_SIZE);
  private readonly fs: number;
  private readonly invFs: number;
  private readonly attackStep: number;
  private readonly vegCoef: number;
  private readonly sweepCoef: number;
  private readonly lvlCoef: number;
  // Per-sample scratch of the current call: phase increment, oscillator (ladder input), ladder
  // gain, feedback and output, VCA gain.
  private readonly dts: Float64Array;
  private readonly xs: Float64Array;
  private readonly gs: Float64Array;
  private readonly ks: Float64Array;
  private readonly ys: Float64Array;
  private readonly amps: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    const fs = ctx.sampleRate;
    this.fs = fs;
    this.invFs = 1 / fs;
    this.attackStep = 1000 / (ACID.attackMs * fs);
    this.vegCoef = Math.exp(LN_THOUSANDTH / ((ACID.vegT60Ms * fs) / 1000));
    this.sweepCoef = 1 - Math.exp(-1000 / (ACID.accentSweepMs * fs));
    this.lvlCoef = 1 - Math.exp(-1000 / (ACID.levelSmoothMs * fs));
    const n = ctx.maxBlock;
    this.dts = new Float64Array(n);
    this.xs = new Float64Array(n);
    this.gs = new Float64Array(n);
    this.ks = new Float64Array(n);
    this.ys = new Float64Array(n);
    this.amps = new Float64Array(n);
    configureLadder(this.cfg, fs, ACID.feedbackHighPassHz);
    this.init();
  }

  protected override init(): void {
    const s = this.state;
    s[S_OSC] = 0.5;
    s[S_LVL] = 1;
    s[S_LVL_TARGET] = 1;
    s[S_KEY_FREQ] = -1;
    s[S_KEY_DECAY] = -1;
    s[S_KEY_SLIDE] = -1;
    s[S_KEY_PITCH] = -1000; // outside the clamped range: the first sample computes dt
  }

  override gate(on: boolean): void {
    const s = this.state;
    if (on) {
      if (s[S_GATE] === 1) {
        s[S_GLIDE] = 1;
        if (s[S_PENDING] === 0) s[S_PENDING] = 1;
      } else {
        s[S_GLIDE] = 0;
        s[S_PENDING] = 2;
        if (s[S_STAGE] === IDLE) s[S_OSC] = 0.5;
        s[S_STAGE] = ATTACK;
        s[S_MEG] = 1;
      }
      s[S_GATE] = 1;
    } else {
      s[S_GATE] = 0;
      if (s[S_STAGE] !== IDLE) {
        s[S_STAGE] = RELEASE;
        s[S_REL_STEP] = (1000 * s[S_VEG]) / (ACID.releaseMs * this.fs);
      }
    }
  }

  process(start: number, end: number): void {
    const out = this.io.outputs[0];
    const st = this.state;
    if (st[S_STAGE] === IDLE) {
      for (let i = start; i < end; i++) out[i] = 0;
      this.outputCheck[0] = 0;
      return;
    }
    // Gates arrive between calls, so a pending note starts at `start`.
    if (st[S_PENDING] !== 0) this.latchNote(start);
    const active = this.envelopes(start, end);
    const modPort = this.io.inputs[IN.cutoff_mod];
    renderLadderGains(st, S_CORE, this.cfg, this.io.params[P.cutoff], modPort.connected, modPort.buffer, true, this.gs, start, active);
    this.pitch(start, active);
    renderPolyBlep(st, S_OSC, this.dts, this.io.params[P.waveform], this.xs, start, active);
    renderDiodeLadder(st, S_CORE, this.cfg, this.xs, this.gs, this.ks, this.ys, start, active);
    const ys = this.ys;
    const amps = this.amps;
    let sq = 0;
    for (let i = start; i < active; i++) {
      const v = ys[i] * amps[i];
      out[i] = v;
      sq += v * v;
    }
    if (st[S_STAGE] === IDLE) this.rest(active, end);
    this.outputCheck[0] = sq;
  }

  /**
   * A gate arrived before sample i: latch the note's accent (the params at i); a new note
   * (not legato) also snaps the pitch and, from silence, sets the level factor at once. Kept out
   * of the per-sample loops so that its rare code never deoptimises them.
   */
  private latchNote(i: number): void {
    const s = this.state;
    const p = this.io.params;
    const accentP = p[P.accent];
    const a = accentP.isConstant ? accentP.value : accentP.buffer[i];
    const level = Math.pow(10, (ACID.accentDb * a) / 20);
    s[S_LVL_TARGET] = level;
    if (s[S_PENDING] === 2) {
      s[S_ACCENT] = a;
      const freqP = p[P.freq];
      const tuneP = p[P.tune];
      const freq = freqP.isConstant ? freqP.value : freqP.buffer[i];
      const tune = tuneP.isConstant ? tuneP.value : tuneP.buffer[i];
      s[S_KEY_FREQ] = freq;
      s[S_KEY_TUNE] = tune;
      s[S_TARGET] = Math.log2(freq) + tune / 1200;
      s[S_LOGF] = s[S_TARGET];
      if (s[S_VEG] === 0) s[S_LVL] = level;
    }
    s[S_PENDING] = 0;
  }

  /** The voice went idle at sample `active` − 1 (its VCA gain was 0): rest state, exact zeros. */
  private rest(active: number, end: number): void {
    const st = this.state;
    const out = this.io.outputs[0];
    for (let j = 0; j < LADDER_STATE_SIZE; j++) st[S_CORE + j] = 0;
    st[S_MEG] = 0;
    st[S_SWEEP] = 0;
    for (let i = active; i < end; i++) out[i] = 0;
  }

  // The per-sample loops below read every param once per call and have no branch that runs
  // only on rare events (gates, slides, a waveform switch): such code is compiled without type
  // feedback and deoptimises the loop when first reached. Caches recomputed when a param
  // changes are the exception (as in filter.ts). Separate passes (envelopes, cutoff gains, pitch,
  // oscillator, ladder, VCA) rather than one loop: each is short enough for the CPU to overlap the long
  // arithmetic chains (exp2, tan, the ladder solve) of successive samples.

  /**
   * Envelopes per sample: the cutoff offset in octaves into gs, feedback into ks, VCA gain into
   * amps; returns the end of the active range (the sample after the one where the voice went
   * idle, or `end`).
   */
  private envelopes(start: number, end: number): number {
    const p = this.io.params;
    const resP = p[P.res];
    const resConst = resP.isConstant;
    const resValue = resP.value;
    const resBuf = resP.buffer;
    const envP = p[P.env_mod];
    const envConst = envP.isConstant;
    const envValue = envP.value;
    const envBuf = envP.buffer;
    const decayP = p[P.decay];
    const decayConst = decayP.isConstant;
    const decayValue = decayP.value;
    const decayBuf = decayP.buffer;
    const gainP = p[P.gain];
    const gainConst = gainP.isConstant;
    const gainValue = gainP.value;
    const gainBuf = gainP.buffer;
    const fs = this.fs;
    const attackStep = this.attackStep;
    const vegCoef = this.vegCoef;
    const sweepCoef = this.sweepCoef;
    const lvlCoef = this.lvlCoef;
    const gs = this.gs;
    const ks = this.ks;
    const amps = this.amps;
    const s = this.state;
    let stage = s[S_STAGE];
    let veg = s[S_VEG];
    const relStep = s[S_REL_STEP];
    let meg = s[S_MEG];
    const accent = s[S_ACCENT];
    const accented = accent > 0;
    let sweep = s[S_SWEEP];
    let lvl = s[S_LVL];
    const lvlTarget = s[S_LVL_TARGET];
    let keyDecay = s[S_KEY_DECAY];
    let megCoef = s[S_MEG_COEF];
    let i = start;
    for (; i < end; i++) {
      // VEG, updated before use (the attack's first step is on the gate's sample): the three
      // stage updates are computed every sample and the stage's one is kept.
      const vAttack = veg + attackStep;
      const vHold = veg * vegCoef;
      const vRelease = veg - relStep;
      const attackDone = vAttack >= 1;
      const releaseDone = !(vRelease > 0);
      if (stage === ATTACK) {
        veg = attackDone ? 1 : vAttack;
        stage = attackDone ? HOLD : ATTACK;
      } else if (stage === HOLD) {
        veg = vHold < TINY ? 0 : vHold;
      } else {
        veg = releaseDone ? 0 : vRelease;
        stage = releaseDone ? IDLE : RELEASE;
      }
      // MEG coefficient for the effective decay (accented notes: at most ACCENT_DECAY_MS).
      const decayParam = decayConst ? decayValue : decayBuf[i];
      const decay = accented && decayParam > ACCENT_DECAY_MS ? ACCENT_DECAY_MS : decayParam;
      if (decay !== keyDecay) {
        keyDecay = decay;
        megCoef = Math.exp(LN_THOUSANDTH / ((decay * fs) / 1000));
      }
      sweep += (accent * meg - sweep) * sweepCoef;
      // The cutoff's offset in octaves (turned into the ladder gain by renderLadderGains).
      gs[i] = (envConst ? envValue : envBuf[i]) * meg + ACCENT_OCTAVES * sweep;
      const megNext = meg * megCoef;
      meg = megNext < TINY ? 0 : megNext;
      sweep = sweep < TINY ? 0 : sweep;
      lvl += (lvlTarget - lvl) * lvlCoef;
      ks[i] = K_SCALE * (resConst ? resValue : resBuf[i]);
      amps[i] = (gainConst ? gainValue : gainBuf[i]) * veg * lvl;
      if (stage === IDLE) {
        i++;
        break;
      }
    }
    s[S_STAGE] = stage;
    s[S_VEG] = veg;
    s[S_MEG] = meg;
    s[S_SWEEP] = sweep;
    s[S_LVL] = lvl;
    s[S_KEY_DECAY] = keyDecay;
    s[S_MEG_COEF] = megCoef;
    return i;
  }

  /** Pitch per sample (slide, pitch input) as phase increments into dts. */
  private pitch(start: number, end: number): void {
    const p = this.io.params;
    const freqP = p[P.freq];
    const freqConst = freqP.isConstant;
    const freqValue = freqP.value;
    const freqBuf = freqP.buffer;
    const tuneP = p[P.tune];
    const tuneConst = tuneP.isConstant;
    const tuneValue = tuneP.value;
    const tuneBuf = tuneP.buffer;
    const slideP = p[P.slide];
    const slideConst = slideP.isConstant;
    const slideValue = slideP.value;
    const slideBuf = slideP.buffer;
    const pitchPort = this.io.inputs[IN.pitch];
    const pitchConnected = pitchPort.connected;
    const pitchBuf = pitchPort.buffer;
    const fs = this.fs;
    const invFs = this.invFs;
    const dts = this.dts;
    const s = this.state;
    let logf = s[S_LOGF];
    const glide = s[S_GLIDE] === 1;
    let keyFreq = s[S_KEY_FREQ];
    let keyTune = s[S_KEY_TUNE];
    let target = s[S_TARGET];
    let keySlide = s[S_KEY_SLIDE];
    let slideCoef = s[S_SLIDE_COEF];
    let keyPitch = s[S_KEY_PITCH];
    let dt = s[S_DT];
    for (let i = start; i < end; i++) {
      // Target log2(freq · 2^(tune/1200)), recomputed when freq or tune change.
      const freq = freqConst ? freqValue : freqBuf[i];
      const tune = tuneConst ? tuneValue : tuneBuf[i];
      if (freq !== keyFreq || tune !== keyTune) {
        keyFreq = freq;
        keyTune = tune;
        target = Math.log2(freq) + tune / 1200;
      }
      // The slide step (coefficient 1 = no glide: L is the target; both arms computed), then
      // the increment 2^(L + pitch)/fs (exp2Approx written out), recomputed on change.
      const slide = slideConst ? slideValue : slideBuf[i];
      if (slide !== keySlide) {
        keySlide = slide;
        slideCoef = slide > 0 ? 1 - Math.exp(-1000 / (slide * fs)) : 1;
      }
      const c = glide ? slideCoef : 1;
      const glided = logf + (target - logf) * c;
      logf = c === 1 ? target : glided;
      let x = pitchConnected ? logf + pitchBuf[i] : logf;
      if (!(x > -EXP2_RANGE)) x = -EXP2_RANGE; // also catches NaN
      else if (x > 20) x = 20;
      if (x !== keyPitch) {
        keyPitch = x;
        const e = Math.round(x);
        const f = x - e;
        dt = (1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * EXP2_INT[e + EXP2_RANGE] * invFs;
        if (dt > MAX_DT) dt = MAX_DT;
      }
      dts[i] = dt;
    }
    s[S_LOGF] = logf;
    s[S_KEY_FREQ] = keyFreq;
    s[S_KEY_TUNE] = keyTune;
    s[S_TARGET] = target;
    s[S_KEY_SLIDE] = keySlide;
    s[S_SLIDE_COEF] = slideCoef;
    s[S_KEY_PITCH] = keyPitch;
    s[S_DT] = dt;
  }
}

export const acidModule = decl.withKernel(AcidKernel);

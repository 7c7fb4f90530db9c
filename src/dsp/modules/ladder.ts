// ladder: four-pole low-pass ladder filter, transistor (Moog) or diode (TB-303) topology,
// zero-delay feedback with saturating (tanh) stages. The cores and their sources are in
// lib/ladder.ts (Zavalishin, "The Art of VA Filter Design", ch. 5-6; Huovilainen, DAFx-04;
// Stinchcombe 2008 and his TB-303 diode ladder analysis; Pirkle's diode ladder note).
//
// Contract:
// - Cutoff per sample: fc = cutoff · 2^fm (fm input in octaves, 1 V/oct style, read every
//   sample), clamped to [5 Hz, 0.45·fs]; prewarped, so the small-signal response at fc is the
//   analog one. moog: |H(fc)| = −12.04 dB at res 0, −24 dB/octave above. diode: fc is the
//   resonance (self-oscillation) frequency.
// - res: feedback k = res · 4 (moog) or res · 17 (diode); res 1 is the self-oscillation
//   threshold of the small-signal filter, above it the filter oscillates at fc (the tanh
//   stages set the amplitude; it pulls the frequency slightly flat as res grows: −0.5 % moog,
//   −1.6 % diode at res 1.02, measured).
// - drive (dB): gain into the tanh stages. The ladder runs at an internal level of
//   LEVEL × drive × input (LEVEL = 0.5: a full-scale input is mildly saturated at 0 dB) and the
//   output is divided by the same factor, so the small-signal gain does not depend on drive:
//   drive changes the character (saturation, resonance swamped by loud input), not the level.
// - comp: passband compensation. The loop input is x·(1 + k·comp) − k·y4 (Zavalishin's
//   "adding k·x back at the input", scaled): the DC gain is (1 + k·comp)/(1 + k), so comp 1
//   keeps it at 1 (0 dB) for every res, comp 0 is the classic bass loss of a resonant ladder.
//   No effect at res 0.
// - Solved per sample with the linearised-tanh method (lib/ladder.ts), no oversampling.
// - Silence in → silence out (states flushed below 1e-30 every sample).

import { Kernel } from '../kernel.js';
import type { KernelContext, KernelIo } from '../kernel.js';
import { defineModule } from '../define.js';
import { enumIndexAt, enumRunEnd } from '../lib/enum-param.js';
import {
  DIODE_K_THRESHOLD,
  LADDER_CFG_SIZE,
  LADDER_STATE_SIZE,
  MOOG_K_THRESHOLD,
  configureLadder,
  renderDiodeLadder,
  renderLadderGains,
  renderMoogLadder,
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

export const LADDER_MODES = ['moog', 'diode'] as const;

const decl = defineModule({
  type: 'ladder',
  doc:
    'Four-pole ladder low-pass, transistor (moog) or diode (TB-303) topology, zero-delay feedback with tanh stages. ' +
    'Cutoff per sample (× 2^fm), res 1 = self-oscillation threshold, drive into the stages (output level compensated), ' +
    'passband compensation `comp`. moog: −12 dB at the cutoff, −24 dB/octave; diode: the cutoff is the resonance frequency.',
  params: [
    { id: 'mode', unit: 'enum', min: 0, max: 1, default: 0, smoothingMs: 0, labels: LADDER_MODES, modulatable: false, doc: 'Topology: moog (transistor ladder) or diode (TB-303 diode ladder).' },
    { id: 'cutoff', unit: 'Hz', min: 20, max: 20000, default: 1000, smoothingMs: 5, scale: 'exp', doc: 'Cutoff (moog: the −12 dB point at res 0; diode: the resonance frequency). Times 2^fm, clamped to 5 Hz … 0.45·fs.' },
    { id: 'res', unit: 'ratio', min: 0, max: 1.2, default: 0, smoothingMs: 5, doc: 'Resonance: 1 is the self-oscillation threshold (feedback 4 for moog, 17 for diode); above it the filter oscillates at the cutoff.' },
    { id: 'drive', unit: 'dB', min: 0, max: 24, default: 0, smoothingMs: 5, doc: 'Gain into the tanh stages (the output is scaled back: character, not level).' },
    { id: 'comp', unit: 'ratio', min: 0, max: 1, default: 0, smoothingMs: 5, doc: 'Passband compensation: DC gain (1 + k·comp)/(1 + k); 1 keeps the bass at 0 dB at any res, 0 is the classic loss.' },
  ],
  inputs: [
    { id: 'in', doc: 'Audio to filter.' },
    { id: 'fm', doc: 'Cutoff modulation in octaves, per sample: fc = cutoff × 2^fm.' },
  ],
  outputs: [{ id: 'out', doc: 'Filtered audio (the fourth stage).' }],
  silentInSilentOut: true,
});

const P = decl.param;
const IN = decl.input;

const MODE_MOOG = 0;
/** Internal level of a unit input at 0 dB drive (see the header). */
const LEVEL = 0.5;
/** log2(10)/20: dB → octaves of gain. */
const DB_TO_LOG2 = Math.log2(10) / 20;
// fast-math constants as module-local bindings: V8 folds those in hot code, not imported ones.
const EXP2_RANGE = 64;
const EXP2_C1 = LIB_C1;
const EXP2_C2 = LIB_C2;
const EXP2_C3 = LIB_C3;
const EXP2_C4 = LIB_C4;
const EXP2_C5 = LIB_C5;
const EXP2_C6 = LIB_C6;
const EXP2_C7 = LIB_C7;
const EXP2_INT = LIB_EXP2_INT;
if (EXP2_RANGE !== LIB_EXP2_RANGE) throw new Error('ladder: exp2 range out of sync with lib/fast-math.ts');

// State layout: the ladder core's slots (with its cutoff cache), then the drive cache (an
// exact function of its key, so results never depend on call boundaries).
const S_CORE = 0;
/** drive (dB) the cached gains belong to; LEVEL·10^(drive/20) and its inverse. */
const S_DRIVE = LADDER_STATE_SIZE;
const S_IN_GAIN = S_DRIVE + 1;
const S_OUT_GAIN = S_DRIVE + 2;
const STATE_SIZE = S_DRIVE + 3;

export class LadderKernel extends Kernel {
  readonly state = new Float64Array(STATE_SIZE);
  /** Sample-rate constants; no feedback high-pass (a wire) for this module. */
  private readonly cfg = new Float64Array(LADDER_CFG_SIZE);
  // Per-sample scratch of the current call (loop input, integrator gain, feedback, output, out gain).
  private readonly xs: Float64Array;
  private readonly gs: Float64Array;
  private readonly ks: Float64Array;
  private readonly ys: Float64Array;
  private readonly outGains: Float64Array;

  constructor(ctx: KernelContext, io: KernelIo) {
    super(ctx, io);
    this.xs = new Float64Array(ctx.maxBlock);
    this.gs = new Float64Array(ctx.maxBlock);
    this.ks = new Float64Array(ctx.maxBlock);
    this.ys = new Float64Array(ctx.maxBlock);
    this.outGains = new Float64Array(ctx.maxBlock);
    configureLadder(this.cfg, ctx.sampleRate, 0);
    this.init();
  }

  protected override init(): void {
    this.state[S_DRIVE] = -1;
  }

  process(start: number, end: number): void {
    const modeP = this.io.params[P.mode];
    let sq = 0;
    let i = start;
    while (i < end) {
      const runEnd = enumRunEnd(modeP, i, end);
      const moog = enumIndexAt(modeP, i, 2) === MODE_MOOG;
      this.gains(i, runEnd, moog);
      this.prepare(i, runEnd, moog);
      if (moog) renderMoogLadder(this.state, S_CORE, this.cfg, this.xs, this.gs, this.ks, this.ys, i, runEnd);
      else renderDiodeLadder(this.state, S_CORE, this.cfg, this.xs, this.gs, this.ks, this.ys, i, runEnd);
      const out = this.io.outputs[0];
      const ys = this.ys;
      const outGains = this.outGains;
      for (let j = i; j < runEnd; j++) {
        const v = ys[j] * outGains[j];
        out[j] = v;
        sq += v * v;
      }
      i = runEnd;
    }
    this.outputCheck[0] = sq;
  }

  /** Integrator gains over [from, to): cutoff × 2^fm through lib/ladder.ts. */
  private gains(from: number, to: number, moog: boolean): void {
    const cutoffP = this.io.params[P.cutoff];
    const fmPort = this.io.inputs[IN.fm];
    const gs = this.gs;
    if (cutoffP.isConstant && !fmPort.connected) {
      // The same for every sample: computed once, by the same code.
      gs[from] = 0;
      renderLadderGains(this.state, S_CORE, this.cfg, cutoffP, false, fmPort.buffer, !moog, gs, from, from + 1);
      const g = gs[from];
      for (let i = from + 1; i < to; i++) gs[i] = g;
      return;
    }
    for (let i = from; i < to; i++) gs[i] = 0;
    renderLadderGains(this.state, S_CORE, this.cfg, cutoffP, fmPort.connected, fmPort.buffer, !moog, gs, from, to);
  }

  /** Fills the per-sample loop input, feedback and output gain over [from, to). */
  private prepare(from: number, to: number, moog: boolean): void {
    const p = this.io.params;
    const resP = p[P.res];
    const driveP = p[P.drive];
    const compP = p[P.comp];
    const resConst = resP.isConstant;
    const resValue = resP.value;
    const resBuf = resP.buffer;
    const driveConst = driveP.isConstant;
    const driveValue = driveP.value;
    const driveBuf = driveP.buffer;
    const compConst = compP.isConstant;
    const compValue = compP.value;
    const compBuf = compP.buffer;
    const input = this.io.inputs[IN.in].buffer;
    const kScale = moog ? MOOG_K_THRESHOLD : DIODE_K_THRESHOLD;
    const xs = this.xs;
    const ks = this.ks;
    const outGains = this.outGains;
    const st = this.state;
    let lastDrive = st[S_DRIVE];
    let inGain = st[S_IN_GAIN];
    let outGain = st[S_OUT_GAIN];
    if (resConst && driveConst && compConst && driveValue === lastDrive) {
      // Everything constant and cached: the loop below with its invariants hoisted (same
      // expressions, same results).
      const k = kScale * resValue;
      const onePlusKc = 1 + k * compValue;
      for (let i = from; i < to; i++) {
        ks[i] = k;
        xs[i] = input[i] * inGain * onePlusKc;
        outGains[i] = outGain;
      }
      return;
    }
    for (let i = from; i < to; i++) {
      const drive = driveConst ? driveValue : driveBuf[i];
      if (drive !== lastDrive) {
        lastDrive = drive;
        // LEVEL·10^(drive/20) = LEVEL·2^(drive·log2(10)/20): exp2Approx written out.
        const x = drive * DB_TO_LOG2;
        const e = Math.round(x);
        const f = x - e;
        inGain = LEVEL * (1 + f * (EXP2_C1 + f * (EXP2_C2 + f * (EXP2_C3 + f * (EXP2_C4 + f * (EXP2_C5 + f * (EXP2_C6 + f * EXP2_C7))))))) * EXP2_INT[e + EXP2_RANGE];
        outGain = 1 / inGain;
      }
      const k = kScale * (resConst ? resValue : resBuf[i]);
      const comp = compConst ? compValue : compBuf[i];
      ks[i] = k;
      xs[i] = input[i] * inGain * (1 + k * comp);
      outGains[i] = outGain;
    }
    st[S_DRIVE] = lastDrive;
    st[S_IN_GAIN] = inGain;
    st[S_OUT_GAIN] = outGain;
  }
}

export const ladderModule = decl.withKernel(LadderKernel);

// osc's hard-sync renderer (used by OscKernel.process only while its `sync` input is connected;
// the batch kernel declines such instances, see osc-batch.ts).
//
// Hard sync: a rising edge of `sync` (a sample > 0 after a sample ≤ 0, detected on sample n)
// resets the phase to 0. The reset instant is the zero crossing of `sync` between n − 1 and n,
// linearly interpolated (x = s[n−1] / (s[n−1] − s[n]) of the sample period after n − 1; a step
// from 0 is a reset at n − 1), so the slave's period follows a master whose period is not a
// whole number of samples without jitter. Band-limiting (E. Brandt, "Hard sync without
// aliasing", ICMC 2001: a sync reset is one more discontinuity, corrected with the same BLEP
// residual, placed at its fractional time): the reset adds a BLEP of the waveform's jump
// (naive value at phase 0 minus the value at the reset phase) and, for the triangle, a BLAMP of
// its slope change, at the reset's time; the waveform's own discontinuities (wraps, the pulse's
// falling edge, the triangle's corners) before and after the reset inside the sample are
// corrected at their own times. The sine's slope change at a reset is not corrected (its value
// jump is). Here the pulse is the ideal ±1 pulse of phase p against `pw` (the same values as
// osc.ts's difference of saws), and S_PHASE_B/S_PW_PREV are kept consistent with it.
//
// Calling convention (osc.ts): no double crosses a call; the sub-steps read and write their
// phases through state scratch slots (S_SUB_*). Render thread; allocates nothing.

import type { KernelIo } from '../kernel.js';
import { addResidual, BLAMP_TABLE, BLEP_TABLE } from '../lib/blep.js';
import * as blepLayout from '../lib/blep.layout.js';
import * as layout from './osc.layout.js';

const { S_PHASE, S_PHASE_B, S_PW_PREV, S_POS, S_DT, S_EVENT, S_RING, WAVE_SINE, WAVE_SAW, WAVE_SQUARE } = layout;
const { BLEP_HALF: HALF, BLEP_MASK: MASK, BLEP_TAPS: TAPS } = blepLayout;

/** The sync input's previous sample (persistent). */
export const S_SYNC_PREV = S_RING + TAPS;
/** Sub-step scratch: start phase (then the phase reached), phase advance, time (samples before n) at its end, dt, pw. */
const S_SUB_PHASE = S_SYNC_PREV + 1;
const S_SUB_DELTA = S_SYNC_PREV + 2;
const S_SUB_END = S_SYNC_PREV + 3;
const S_SUB_DT = S_SYNC_PREV + 4;
const S_SUB_PW = S_SYNC_PREV + 5;
/** osc.ts's state size: the ring, then these slots. */
export const OSC_SYNC_STATE_END = S_SYNC_PREV + 6;

const TWO_PI = 2 * Math.PI;
/** Input indices (osc.ts's spec order). */
const IN_SYNC = layout.INPUT_SYNC;

/** BLEP (kind 0) or BLAMP (kind 1) of st[S_EVENT + 1] at st[S_EVENT] samples before n. */
function residual(st: Float64Array, base: number, kind: number): void {
  addResidual(kind === 0 ? BLEP_TABLE : BLAMP_TABLE, st, S_RING, base, S_EVENT);
}

/**
 * Advances st[S_SUB_PHASE] by st[S_SUB_DELTA] (one part of sample n, ending st[S_SUB_END]
 * samples before n), adding the residuals of the waveform's discontinuities it crosses at their
 * times (an event at phase c, with u the unwrapped phase reached: end + (u − c)/dt samples
 * before n). Wraps into [0, 1).
 */
function subStep(st: Float64Array, base: number, wave: number): void {
  const a = st[S_SUB_PHASE];
  const delta = st[S_SUB_DELTA];
  const tEnd = st[S_SUB_END];
  const dt = st[S_SUB_DT];
  const pw = st[S_SUB_PW];
  const u = a + delta;
  let p = u;
  if (!(delta !== 0 && dt !== 0)) return; // no movement (also NaN): no event
  const k = u >= 1 ? 1 : u < 0 ? -1 : 0;
  if (k !== 0) p = u - k;
  if (p >= 1) p = 0; // -tiny + 1 rounded onto the wrap point: no jump happened
  else if (k !== 0) {
    // Wrap at c = 1 (forwards) or 0 (backwards).
    st[S_EVENT] = tEnd + (u - (k > 0 ? 1 : 0)) / dt;
    if (wave === WAVE_SAW) {
      st[S_EVENT + 1] = -2 * k;
      residual(st, base, 0);
    } else if (wave === WAVE_SQUARE) {
      st[S_EVENT + 1] = 2 * k; // the rising edge at phase 0
      residual(st, base, 0);
    } else if (wave !== WAVE_SINE) {
      st[S_EVENT + 1] = 8 * Math.abs(dt);
      residual(st, base, 1);
    }
  }
  if (wave === WAVE_SQUARE) {
    // The falling edge at phase pw (or pw ± 1 across a wrap).
    const c = a < pw ? (u >= pw ? pw : u < pw - 1 ? pw - 1 : -1) : u < pw ? pw : u >= pw + 1 ? pw + 1 : -1;
    if (c !== -1) {
      st[S_EVENT] = tEnd + (u - c) / dt;
      st[S_EVENT + 1] = u > a ? -2 : 2;
      residual(st, base, 0);
    }
  } else if (wave !== WAVE_SAW && wave !== WAVE_SINE && (a < 0.5 ? u >= 0.5 : u < 0.5)) {
    // Triangle corner at 0.5.
    st[S_EVENT] = tEnd + (u - 0.5) / dt;
    st[S_EVENT + 1] = -8 * Math.abs(dt);
    residual(st, base, 1);
  }
  st[S_SUB_PHASE] = p;
}

/**
 * Renders osc's `wave` over [from, to) with hard sync (see the header); the increments are
 * st[S_DT] or dts[i] as in osc.ts. Returns nothing; adds the sum of y² to outputCheck[0].
 */
export function renderSynced(
  st: Float64Array, io: KernelIo, dts: Float64Array, from: number, to: number, perSample: boolean, wave: number, gainIndex: number, pwIndex: number,
  outputCheck: Float64Array,
): void {
  const out = io.outputs[0];
  const sync = io.inputs[IN_SYNC].buffer;
  const gain = io.params[gainIndex];
  const gainConstant = gain.isConstant;
  const gainValue = gain.value;
  const gainBuffer = gain.buffer;
  const pwParam = io.params[pwIndex];
  const pwConstant = pwParam.isConstant;
  const pwValue = pwParam.value;
  const pwBuffer = pwParam.buffer;
  const dtConstant = st[S_DT];
  let phase = st[S_PHASE];
  let syncPrev = st[S_SYNC_PREV];
  let pos = st[S_POS] | 0;
  let sq = 0;
  for (let i = from; i < to; i++) {
    const dt = perSample ? dts[i] : dtConstant;
    const pw = pwConstant ? pwValue : pwBuffer[i];
    const base = (pos + HALF) & MASK;
    const s = sync[i];
    // Fraction of the sample period before the reset (1: no reset).
    let x = 1;
    if (s > 0 && syncPrev <= 0) {
      x = syncPrev / (syncPrev - s);
      if (!(x >= 0 && x < 1)) x = 0;
    }
    syncPrev = s;
    st[S_SUB_DT] = dt;
    st[S_SUB_PW] = pw;
    st[S_SUB_PHASE] = phase;
    st[S_SUB_DELTA] = x * dt;
    st[S_SUB_END] = 1 - x;
    subStep(st, base, wave);
    if (x < 1) {
      // The reset, 1 − x samples before n: the jump from the value at phase r to the value at 0.
      const r = st[S_SUB_PHASE];
      const d = 1 - x;
      st[S_EVENT] = d;
      if (wave === WAVE_SAW) st[S_EVENT + 1] = -2 * r;
      else if (wave === WAVE_SQUARE) st[S_EVENT + 1] = r < pw ? 0 : 2;
      else if (wave === WAVE_SINE) st[S_EVENT + 1] = -Math.sin(TWO_PI * r);
      else st[S_EVENT + 1] = -2 + 4 * Math.abs(r - 0.5);
      residual(st, base, 0);
      if (wave !== WAVE_SAW && wave !== WAVE_SQUARE && wave !== WAVE_SINE && r >= 0.5) {
        // Triangle: slope −4·dt before (falling half), +4·dt after.
        st[S_EVENT] = d;
        st[S_EVENT + 1] = 8 * dt;
        residual(st, base, 1);
      }
      st[S_SUB_PHASE] = 0;
      st[S_SUB_DELTA] = d * dt;
      st[S_SUB_END] = 0;
      subStep(st, base, wave);
    }
    const p = st[S_SUB_PHASE];
    phase = p;
    const naive = wave === WAVE_SAW ? 2 * p - 1 : wave === WAVE_SQUARE ? (p < pw ? 1 : -1) : wave === WAVE_SINE ? Math.sin(TWO_PI * p) : 1 - 4 * Math.abs(p - 0.5);
    st[S_RING + pos] += naive;
    const o = S_RING + base;
    const y = (gainConstant ? gainValue : gainBuffer[i]) * st[o];
    out[i] = y;
    sq += y * y;
    st[o] = 0;
    pos = (pos + 1) & MASK;
    let b = p - pw;
    if (b < 0) b += 1;
    if (b >= 1) b = 0;
    st[S_PHASE_B] = b;
    st[S_PW_PREV] = pw;
  }
  st[S_PHASE] = phase;
  st[S_SYNC_PREV] = syncPrev;
  st[S_POS] = pos;
  outputCheck[0] += sq;
}

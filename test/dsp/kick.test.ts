// kick: pitch sweep (start and tail pitch, the exponential law), the −60 dB decay time, onset on
// the hit's sample, equal hits bit-identical, velocity, drive; plus the drum contract
// (test/helpers/drums.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kickModule } from '../../src/dsp/modules/kick.js';
import { peakAbs, rms, toDb } from '../helpers/analysis.js';
import { drumContractTests, firstNonZero, lastNonZero, ms, renderDrum, SR } from '../helpers/drums.js';

/** Tail pitch: within 1 % of `tune` (issue 14). */
const TAIL_PITCH_TOLERANCE = 0.01;
/** Start pitch: within 5 % of tune·2^(sweep/12) (issue 14). */
const START_PITCH_TOLERANCE = 0.05;
/** The sweep follows tune·2^(S·e^(−t/τ)/12) within 2 % over its course. */
const SWEEP_LAW_TOLERANCE = 0.02;
/** −60 dB at `decay` ± 10 % (issue 14). */
const DECAY_TOLERANCE = 0.1;

const HIT = 480;
/** A clean body: no click, no drive (the definitions are exact then). */
const CLEAN = { click: 0, drive: 0 };

/** Upward zero crossings of x after `from`, in fractional samples (linear interpolation). */
function crossings(x: Float32Array, from: number, to = x.length): number[] {
  const out: number[] = [];
  for (let i = from + 1; i < to; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if ((a < 0 && b >= 0) || (a > 0 && b <= 0)) out.push(i - 1 + a / (a - b));
  }
  return out;
}

function render(params: Record<string, number>, frames: number, velocity = 1): Float32Array {
  return renderDrum(kickModule, { params, frames, events: [{ frame: HIT, kind: 'on', velocity }] });
}

test('kick: the tail settles on `tune` within 1 %', () => {
  for (const tune of [45, 80]) {
    const out = render({ ...CLEAN, tune, sweep: 24, sweep_time: 30, decay: 3000 }, HIT + ms(1500));
    // From 400 ms (13 time constants: the offset is below 1e-4 semitone) to 1.4 s.
    const z = crossings(out, HIT + ms(400), HIT + ms(1400));
    const f = (z.length - 1) / 2 / ((z[z.length - 1]! - z[0]!) / SR);
    assert.ok(Math.abs(f / tune - 1) < TAIL_PITCH_TOLERANCE, `tune ${tune}: tail at ${f.toFixed(3)} Hz`);
  }
});

test('kick: the hit starts at tune·2^(sweep/12) within 5 %', () => {
  for (const [tune, sweep] of [[50, 24], [60, 12], [40, 36]] as const) {
    // A slow sweep, so a quarter period around the first peak sees the start pitch.
    const out = render({ ...CLEAN, tune, sweep, sweep_time: 300, decay: 5000 }, HIT + ms(50));
    // Three-point estimate at the first peak: y[n−1] + y[n+1] = 2cos(ω)·y[n] for a sinusoid.
    let n = HIT + 1;
    while (Math.abs(out[n + 1]!) > Math.abs(out[n]!)) n++;
    const w = Math.acos((out[n - 1]! + out[n + 1]!) / (2 * out[n]!));
    const f = (w * SR) / (2 * Math.PI);
    const expected = tune * 2 ** (sweep / 12);
    assert.ok(Math.abs(f / expected - 1) < START_PITCH_TOLERANCE, `tune ${tune} sweep ${sweep}: starts at ${f.toFixed(1)} Hz, expected ${expected.toFixed(1)}`);
  }
});

test('kick: the pitch falls as tune·2^(sweep·e^(−t/sweep_time)/12)', () => {
  const tune = 50;
  const sweep = 24;
  const tau = 30;
  const out = render({ ...CLEAN, tune, sweep, sweep_time: tau, decay: 3000 }, HIT + ms(200));
  // The phase is 0 one sample before the hit (it advances before the first sample).
  const z = [HIT - 1, ...crossings(out, HIT + 1)];
  let checked = 0;
  for (let k = 1; k < z.length; k++) {
    const mid = (z[k - 1]! + z[k]!) / 2 - (HIT - 1);
    const measured = SR / (2 * (z[k]! - z[k - 1]!));
    const expected = tune * 2 ** ((sweep * Math.exp(-(mid / SR) * (1000 / tau))) / 12);
    assert.ok(Math.abs(measured / expected - 1) < SWEEP_LAW_TOLERANCE, `half cycle ${k} at ${(mid / 48).toFixed(2)} ms: ${measured.toFixed(2)} Hz, expected ${expected.toFixed(2)}`);
    checked++;
  }
  assert.ok(checked > 10);
});

test('kick: the body falls 60 dB in `decay` (±10 %)', () => {
  for (const decay of [150, 400, 1200]) {
    const velocity = 0.8;
    const level = 0.5;
    const out = render({ ...CLEAN, decay, level }, HIT + ms(1.5 * decay), velocity);
    // Peaks of the half cycles (the sine's peaks: its envelope), in dB re the starting amplitude.
    const z = [HIT - 1, ...crossings(out, HIT + 1)];
    const peaks: { t: number; db: number }[] = [];
    for (let k = 1; k < z.length; k++) {
      const a = Math.ceil(z[k - 1]!);
      const b = Math.floor(z[k]!);
      let best = a;
      for (let i = a; i <= b; i++) if (Math.abs(out[i]!) > Math.abs(out[best]!)) best = i;
      peaks.push({ t: (best - HIT) / SR, db: toDb(Math.abs(out[best]!) / (level * velocity)) });
    }
    const k = peaks.findIndex((p) => p.db < -60);
    assert.ok(k > 0, 'falls below −60 dB');
    const p = peaks[k - 1]!;
    const q = peaks[k]!;
    const t60 = p.t + ((q.t - p.t) * (-60 - p.db)) / (q.db - p.db);
    assert.ok(Math.abs((t60 * 1000) / decay - 1) < DECAY_TOLERANCE, `decay ${decay} ms: −60 dB at ${(t60 * 1000).toFixed(1)} ms`);
  }
});

test('kick: onset on the trigger sample, and two hits (same velocity, after full decay) are bit-identical', () => {
  const params = { decay: 300 };
  const gap = ms(700);
  const out = renderDrum(kickModule, {
    params, frames: HIT + 2 * gap, blocks: [100, 37, 128],
    events: [{ frame: HIT, kind: 'on', velocity: 0.9 }, { frame: HIT + gap, kind: 'on', velocity: 0.9 }],
  });
  assert.equal(firstNonZero(out), HIT);
  const first = out.subarray(HIT, HIT + gap);
  const second = out.subarray(HIT + gap, HIT + 2 * gap);
  assert.equal(first[gap - 1], 0, 'the first hit has decayed to silence');
  assert.notEqual(second[0], 0);
  assert.deepEqual(second, first);
});

test('kick: velocity scales the level (exact with drive 0) and the sweep', () => {
  const loud = render({ ...CLEAN, sweep_time: 300 }, HIT + ms(100), 1);
  const soft = render({ ...CLEAN, sweep_time: 300 }, HIT + ms(100), 0.5);
  assert.ok(Math.abs(toDb(peakAbs(soft) / peakAbs(loud)) + 6.02) < 0.1, `${toDb(peakAbs(soft) / peakAbs(loud)).toFixed(2)} dB`);
  // Half-velocity sweeps 0.75 × 24 = 18 semitones: a later first zero crossing.
  const half = (x: Float32Array): number => crossings(x, HIT + 1)[0]! - (HIT - 1);
  const ratio = half(soft) / half(loud);
  const expected = 2 ** ((24 - 18) / 12);
  assert.ok(Math.abs(ratio / expected - 1) < 0.02, `first half cycle ${ratio.toFixed(3)}× longer, expected ${expected.toFixed(3)}`);
});

test('kick: drive saturates softly (full scale stays below full scale, small signals gain)', () => {
  const clean = render({ ...CLEAN, level: 1 }, HIT + ms(800));
  const driven = render({ click: 0, drive: 1, level: 1 }, HIT + ms(800));
  assert.ok(peakAbs(driven) <= 1 + 1e-6, `driven peak ${peakAbs(driven)}`);
  // Late in the tail (−40 dB) the drive's small-signal gain is 8 / sat(8) = 8.
  const at = HIT + ms(300);
  const gain = peakAbs(driven, at, at + ms(40)) / peakAbs(clean, at, at + ms(40));
  assert.ok(Math.abs(gain - 8) < 0.1, `small-signal gain ${gain.toFixed(3)}`);
  assert.ok(lastNonZero(driven) > 0);
});

test('kick: the click is a short transient (6 ms) on top of the body', () => {
  const body = render({ click: 0, drive: 0 }, HIT + ms(30));
  const clicked = render({ click: 1, drive: 0 }, HIT + ms(30));
  const click = clicked.map((y, i) => y - body[i]!);
  const end = lastNonZero(click);
  assert.ok(end >= HIT + ms(5) && end < HIT + ms(6), `the click ends ${((end - HIT) / 48).toFixed(2)} ms after the hit`);
  assert.equal(firstNonZero(click), HIT);
  // Exponential: −60 dB over its 6 ms (here: at least 30 dB between its first and last 2 ms).
  const fall = toDb(rms(click, HIT + ms(4), HIT + ms(6)) / rms(click, HIT, HIT + ms(2)));
  assert.ok(fall < -30, `${fall.toFixed(1)} dB`);
  assert.ok(peakAbs(click) > 0.2, `click peak ${peakAbs(click)}`);
});

drumContractTests({
  def: kickModule,
  params: { decay: 100, sweep_time: 10 },
  silentAfter: ms(260),
  longParams: { decay: 2000 },
  unevenParams: [{ sweep_time: 1, decay: 5000 }],
});

// clap: burst count and spacing (onsets found from the envelope, ±0.1 ms), the tail's −60 dB
// time, the noise band's centre; plus the drum contract (test/helpers/drums.ts).

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clapModule } from '../../src/dsp/modules/clap.js';
import { magnitudeSpectrum, rms, toDb } from '../helpers/analysis.js';
import { drumContractTests, ms, renderDrum, SR } from '../helpers/drums.js';

/** Burst onsets within ±0.1 ms of k·spacing (issue 14). */
const ONSET_TOLERANCE_MS = 0.1;
/** Tail: −60 dB within 10 % of `tail`. */
const DECAY_TOLERANCE = 0.1;
/** Band centre within a sixth of an octave of tone. */
const CENTRE_TOLERANCE_OCTAVES = 1 / 6;

const HIT = 1000;

function render(params: Record<string, number>, frames: number, seed = 1, velocity = 1): Float32Array {
  return renderDrum(clapModule, { params, seed, frames, events: [{ frame: HIT, kind: 'on', velocity }] });
}

/**
 * Burst onsets from the envelope: sample n is an onset when the energy over the next `w` samples
 * exceeds that over the previous `w` by more than 15 dB and is the largest such ratio within
 * ±w (a burst jumps from about −30 dB of its peak to the peak within one sample).
 */
function onsets(x: Float32Array, w: number): number[] {
  const ratio = new Float64Array(x.length);
  for (let n = w; n + w <= x.length; n++) {
    let before = 1e-30;
    let after = 1e-30;
    for (let i = 0; i < w; i++) {
      before += x[n - w + i]! ** 2;
      after += x[n + i]! ** 2;
    }
    ratio[n] = 10 * Math.log10(after / before);
  }
  const found: number[] = [];
  for (let n = w; n + w <= x.length; n++) {
    if (ratio[n]! < 15) continue;
    let best = true;
    for (let m = Math.max(0, n - w); m <= Math.min(x.length - 1, n + w); m++) if (ratio[m]! > ratio[n]!) best = false;
    if (best && (found.length === 0 || n - found[found.length - 1]! > w)) found.push(n);
  }
  return found;
}

test('clap: `count` bursts, `spacing` ms apart (onsets from the envelope, ±0.1 ms)', () => {
  const cases = [
    { count: 4, spacing: 10 },
    { count: 3, spacing: 11.3 },
    { count: 6, spacing: 7.3 },
    { count: 2, spacing: 25 },
    { count: 8, spacing: 4.1 },
    { count: 1, spacing: 10 },
  ];
  for (const params of cases) {
    for (const seed of [1, 2]) {
      // A high, wide band: its envelope is smooth over a millisecond, so the burst jumps stand out.
      const out = render({ ...params, tone: 4000, tail: 150 }, HIT + ms(params.count * params.spacing + 100), seed);
      const found = onsets(out, ms(1));
      assert.equal(found.length, params.count, `${JSON.stringify(params)} seed ${seed}: onsets at ${found.map((n) => ((n - HIT) / 48).toFixed(2)).join(', ')} ms`);
      found.forEach((n, k) => {
        const errMs = ((n - HIT) / SR) * 1000 - k * params.spacing;
        assert.ok(Math.abs(errMs) <= ONSET_TOLERANCE_MS, `${JSON.stringify(params)} burst ${k}: ${errMs.toFixed(3)} ms off`);
      });
    }
  }
});

test('clap: the last burst falls 60 dB in `tail` (±10 %)', () => {
  for (const tail of [100, 600]) {
    const count = 4;
    const spacing = 10;
    const last = HIT + ms((count - 1) * spacing) + 1;
    const out = render({ count, spacing, tail }, last + ms(tail), 6);
    const win = ms(Math.max(2, tail / 50));
    const points: { t: number; db: number }[] = [];
    for (let start = last + win; start + win <= last + ms(0.7 * tail); start += win) points.push({ t: (start + win / 2) / SR, db: toDb(rms(out, start, start + win)) });
    const n = points.length;
    const mt = points.reduce((a, p) => a + p.t, 0) / n;
    const md = points.reduce((a, p) => a + p.db, 0) / n;
    const slope = points.reduce((a, p) => a + (p.t - mt) * (p.db - md), 0) / points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
    const t60 = (-60 / slope) * 1000;
    assert.ok(Math.abs(t60 / tail - 1) < DECAY_TOLERANCE, `tail ${tail}: −60 dB after ${t60.toFixed(1)} ms`);
  }
});

test('clap: `tone` centres the noise band (peak of the power spectrum, smoothed over a sixth of an octave)', () => {
  const size = 16384;
  for (const tone of [600, 1000, 3000]) {
    // Power spectrum averaged over hits of 8 seeds (one noise realisation fluctuates by ±1 dB).
    const psd = new Float64Array(size / 2 + 1);
    for (let seed = 1; seed <= 8; seed++) {
      const mags = magnitudeSpectrum(render({ tone, count: 1, tail: 300 }, HIT + size, seed), size, HIT, () => 1);
      for (let k = 0; k < psd.length; k++) psd[k]! += mags[k]! ** 2;
    }
    // Mean power per bin over a sixth of an octave around f (a band-pass is symmetric in log f).
    const smoothed = (f: number): number => {
      let e = 0;
      let n = 0;
      for (let k = Math.ceil((f * 2 ** (-1 / 12) * size) / SR); k <= Math.floor((f * 2 ** (1 / 12) * size) / SR); k++, n++) e += psd[k]!;
      return e / n;
    };
    let best = 0;
    for (let j = -12; j <= 12; j++) if (smoothed(tone * 2 ** (j / 12)) > smoothed(tone * 2 ** (best / 12))) best = j;
    assert.ok(Math.abs(best / 12) <= CENTRE_TOLERANCE_OCTAVES, `tone ${tone}: the spectrum peaks at ${(tone * 2 ** (best / 12)).toFixed(0)} Hz`);
  }
});

drumContractTests({
  def: clapModule,
  params: { tail: 80 },
  silentAfter: ms(220),
  longParams: { tail: 1500 },
  unevenParams: [{ count: 8, spacing: 50, tail: 10 }, { count: 2, spacing: 1, tail: 2000 }],
});

test("the registry resolves 'clap' to this module", () => {
  assert.equal(registryForName().get('clap')?.kernel, clapModule.kernel);
});

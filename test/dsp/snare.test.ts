// snare: body spectral peaks at the membrane mode ratios, snappy 0 leaves no noise in the noise
// band, the body's and the noise's −60 dB times; plus the drum contract (test/helpers/drums.ts).

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SNARE_MODE_RATIOS, snareModule } from '../../src/dsp/modules/snare.js';
import { goertzelAmplitude, magnitudeSpectrum, peakFrequency, rms, toDb } from '../helpers/analysis.js';
import { drumContractTests, ms, renderDrum, SR } from '../helpers/drums.js';

/** Body peaks at the mode ratios × tune within 1 % (issue 14). */
const MODE_TOLERANCE = 0.01;
/** snappy 0: energy in the noise band at least 40 dB below snappy 1 (issue 14). */
const NOISE_FLOOR_DB = -40;
/** The noise band for that check (Hz). */
const NOISE_BAND: readonly [number, number] = [5000, 10000];
/** Decay times (time to −60 dB) within 10 %. */
const DECAY_TOLERANCE = 0.1;

function render(params: Record<string, number>, frames: number, seed = 1, velocity = 1): Float32Array {
  return renderDrum(snareModule, { params, seed, frames, events: [{ frame: 0, kind: 'on', velocity }] });
}

/** Slope (dB per second) of the least-squares line through (t, dB) points. */
function slopeDbPerSecond(points: readonly { t: number; db: number }[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const md = points.reduce((a, p) => a + p.db, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.db - md);
    den += (p.t - mt) ** 2;
  }
  return num / den;
}

test('snare: the mode ratios are the ideal membrane\'s (Bessel zeros j_mn / j_01)', () => {
  assert.deepEqual(SNARE_MODE_RATIOS.map((r) => Number(r.toFixed(4))), [1, 1.5933, 2.1355, 2.2954, 2.6531]);
});

test('snare: body spectral peaks at the mode ratios × tune (±1 %)', () => {
  for (const tune of [150, 230]) {
    const out = render({ tune, snappy: 0, decay: 1500 }, 65536);
    for (const ratio of SNARE_MODE_RATIOS) {
      const expected = tune * ratio;
      // Search ±3 %: the two closest modes (2.1355 and 2.2954) are 7 % apart.
      const { freq, amplitude } = peakFrequency(out, SR, { size: 65536, minHz: expected * 0.97, maxHz: expected * 1.03 });
      assert.ok(Math.abs(freq / expected - 1) < MODE_TOLERANCE, `tune ${tune}, mode ${ratio.toFixed(4)}: peak at ${freq.toFixed(2)} Hz, expected ${expected.toFixed(2)}`);
      // A real peak: well above what lies between the modes.
      const between = goertzelAmplitude(out, expected * 1.05, SR);
      assert.ok(amplitude > 3 * between, `mode ${ratio.toFixed(4)} stands out (${amplitude} vs ${between})`);
    }
  }
});

test(`snare: snappy 0 leaves the ${NOISE_BAND[0]}–${NOISE_BAND[1]} Hz band at least 40 dB below snappy 1`, () => {
  const size = 16384;
  const bandEnergy = (x: Float32Array): number => {
    const mags = magnitudeSpectrum(x, size, 0, () => 1);
    let e = 0;
    for (let k = Math.ceil((NOISE_BAND[0] * size) / SR); k <= Math.floor((NOISE_BAND[1] * size) / SR); k++) e += mags[k]! ** 2;
    return e;
  };
  for (const tone of [3000, 8000]) {
    const withNoise = bandEnergy(render({ snappy: 1, tone }, size));
    const without = bandEnergy(render({ snappy: 0, tone }, size));
    const db = 10 * Math.log10(without / withNoise);
    assert.ok(db < NOISE_FLOOR_DB, `tone ${tone}: ${db.toFixed(1)} dB`);
  }
});

test('snare: the lowest mode falls 60 dB in `decay` (±10 %)', () => {
  for (const decay of [120, 400]) {
    const tune = 180;
    const out = render({ tune, snappy: 0, decay }, ms(decay) + 4096);
    // Amplitude at the fundamental in 20 ms Hann windows (the next mode is 59 % higher).
    const win = ms(20);
    const points: { t: number; db: number }[] = [];
    for (let start = ms(10); start + win <= ms(0.8 * decay); start += ms(5)) {
      points.push({ t: (start + win / 2) / SR, db: toDb(goertzelAmplitude(out, tune, SR, start, start + win)) });
    }
    const t60 = -60 / slopeDbPerSecond(points);
    assert.ok(Math.abs((t60 * 1000) / decay - 1) < DECAY_TOLERANCE, `decay ${decay}: −60 dB after ${(t60 * 1000).toFixed(1)} ms`);
  }
});

test('snare: the noise falls 60 dB in `noise_decay` (±10 %)', () => {
  for (const noiseDecay of [100, 500]) {
    const frames = ms(noiseDecay);
    // The body does not depend on snappy, so the difference of the two renders is the noise alone.
    const a = render({ snappy: 1, noise_decay: noiseDecay }, frames, 9);
    const b = render({ snappy: 0, noise_decay: noiseDecay }, frames, 9);
    const noise = a.map((y, i) => y - b[i]!);
    const win = ms(5);
    const points: { t: number; db: number }[] = [];
    for (let start = 0; start + win <= ms(0.7 * noiseDecay); start += win) points.push({ t: (start + win / 2) / SR, db: toDb(rms(noise, start, start + win)) });
    const t60 = -60 / slopeDbPerSecond(points);
    assert.ok(Math.abs((t60 * 1000) / noiseDecay - 1) < DECAY_TOLERANCE, `noise_decay ${noiseDecay}: −60 dB after ${(t60 * 1000).toFixed(1)} ms`);
  }
});

test('snare: tone moves the noise band', () => {
  const size = 8192;
  const centre = (tone: number): number => {
    const a = render({ snappy: 1, tone }, size, 4);
    const b = render({ snappy: 0, tone }, size, 4);
    const mags = magnitudeSpectrum(a.map((y, i) => y - b[i]!), size, 0, () => 1);
    // Geometric mean frequency weighted by power (the band-pass is symmetric on a log axis).
    let num = 0;
    let den = 0;
    for (let k = 1; k < mags.length; k++) {
      const p = mags[k]! ** 2;
      num += p * Math.log((k * SR) / size);
      den += p;
    }
    return Math.exp(num / den);
  };
  const low = centre(1000);
  const high = centre(6000);
  assert.ok(high > 3 * low, `band centres ${low.toFixed(0)} and ${high.toFixed(0)} Hz`);
});

drumContractTests({
  def: snareModule,
  params: { decay: 80, noise_decay: 80 },
  silentAfter: ms(200),
  longParams: { decay: 1500, noise_decay: 1500 },
  unevenParams: [{ decay: 20, noise_decay: 2000 }, { decay: 2000, noise_decay: 20 }],
});

test("the registry resolves 'snare' to this module", () => {
  assert.equal(registryForName().get('snare')?.kernel, snareModule.kernel);
});

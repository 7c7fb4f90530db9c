// hat: ≥ 90 % of the energy above 5 kHz, the six 808 oscillator frequencies × tune, open/closed
// decay, and a closed hit choking an open tail through the engine's choke groups; plus the drum
// contract (test/helpers/drums.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { HAT_FREQS, hatModule } from '../../src/dsp/modules/hat.js';
import { Engine } from '../../src/engine/engine.js';
import { validatePatch } from '../../src/patch/validate.js';
import { magnitudeSpectrum, peakAbs, peakFrequency, rms, toDb } from '../helpers/analysis.js';
import { drumContractTests, ms, renderDrum, SR } from '../helpers/drums.js';

/** At least 90 % of the energy above 5 kHz (issue 14). */
const HIGH_ENERGY_SHARE = 0.9;
const HIGH_FROM_HZ = 5000;
/** A choked tail is at or below −60 dB 5 ms after the choke (issue 14, Kernel.choke). */
const CHOKE_DB = -60;
const CHOKE_MS = 5;
/** Oscillator frequencies within 0.2 % (spectral peaks of a 1.4 s render). */
const FREQ_TOLERANCE = 0.002;
/** Decay times (time to −60 dB) within 10 %. */
const DECAY_TOLERANCE = 0.1;

function render(params: Record<string, number>, frames: number, seed = 1, velocity = 1): Float32Array {
  return renderDrum(hatModule, { params, seed, frames, events: [{ frame: 0, kind: 'on', velocity }] });
}

/** Share of the energy of x above `hz` (rectangular window over the whole zero-padded hit). */
function shareAbove(x: Float32Array, size: number, hz: number): number {
  const mags = magnitudeSpectrum(x, size, 0, () => 1);
  let high = 0;
  let total = 0;
  for (let k = 0; k < mags.length; k++) {
    const e = mags[k]! ** 2;
    total += e;
    if ((k * SR) / size > hz) high += e;
  }
  return high / total;
}

test('hat: at least 90 % of the energy lies above 5 kHz (closed and open, any noise; velocity 1)', () => {
  for (const [params, velocity] of [[{}, 1], [{ open: 1 }, 1], [{ noise: 0 }, 1], [{ noise: 1 }, 1]] as const) {
    for (const seed of [1, 2, 3]) {
      const size = 65536;
      const share = shareAbove(render(params, size, seed, velocity), size, HIGH_FROM_HZ);
      assert.ok(share >= HIGH_ENERGY_SHARE, `${JSON.stringify(params)} velocity ${velocity} seed ${seed}: ${(100 * share).toFixed(2)} % above 5 kHz`);
    }
  }
});

test('hat: the metal is the six TR-808 oscillators × tune', () => {
  for (const tune of [1, 1.37]) {
    // Low band and no noise, a long open hit: the oscillators' fundamentals are resolvable.
    const size = 65536;
    const out = render({ tune, noise: 0, tone: 2000, decay: 1000, open: 1 }, size);
    for (const f of HAT_FREQS) {
      const expected = f * tune;
      const { freq } = peakFrequency(out, SR, { size, minHz: expected * 0.985, maxHz: expected * 1.015 });
      assert.ok(Math.abs(freq / expected - 1) < FREQ_TOLERANCE, `tune ${tune}: ${freq.toFixed(2)} Hz, expected ${expected.toFixed(2)}`);
    }
  }
});

test('hat: closed decays 60 dB in `decay`, open in decay × 10^open (±10 %)', () => {
  for (const [decay, open] of [[60, 0], [60, 1], [200, 0.5]] as const) {
    const t60 = decay * 10 ** open;
    const out = render({ decay, open }, ms(t60) + 1000, 5);
    const win = ms(Math.max(1, t60 / 40));
    const points: { t: number; db: number }[] = [];
    for (let start = win; start + win <= ms(0.7 * t60); start += win) points.push({ t: (start + win / 2) / SR, db: toDb(rms(out, start, start + win)) });
    const n = points.length;
    const mt = points.reduce((a, p) => a + p.t, 0) / n;
    const md = points.reduce((a, p) => a + p.db, 0) / n;
    const slope = points.reduce((a, p) => a + (p.t - mt) * (p.db - md), 0) / points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
    const measured = (-60 / slope) * 1000;
    assert.ok(Math.abs(measured / t60 - 1) < DECAY_TOLERANCE, `decay ${decay} open ${open}: −60 dB after ${measured.toFixed(1)} ms, expected ${t60}`);
  }
});

test('hat: through the engine, a closed hit chokes an open tail of the same choke group to ≤ −60 dB within 5 ms', () => {
  const result = validatePatch({
    format: 'chronus-patch', version: 1,
    modules: [
      { id: 'open_hat', type: 'hat', params: { open: 1, decay: 100, choke: 1 } },
      { id: 'closed_hat', type: 'hat', params: { choke: 1 } },
      { id: 'other_hat', type: 'hat', params: { open: 1, decay: 100, choke: 2 } },
      { id: 'out', type: 'out' },
    ],
    connections: [{ from: 'open_hat', to: 'out' }, { from: 'other_hat', to: 'out.right' }],
  }, createRegistry());
  assert.ok(result.ok, JSON.stringify(result));
  if (!result.ok) return;
  const engine = new Engine({ sampleRate: SR, maxBlock: 128 });
  engine.applyPatch(result.patch);
  const handle = (id: string): number => engine.instance(id)!.handle;
  const chokeAt = 9000; // not a block boundary
  engine.scheduleGate(100, handle('open_hat'), true);
  engine.scheduleGate(100, handle('other_hat'), true);
  engine.scheduleGate(chokeAt, handle('closed_hat'), true);
  const frames = chokeAt + ms(40);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const l = new Float32Array(128);
  const r = new Float32Array(128);
  for (let pos = 0; pos < frames; pos += 128) {
    engine.render(l, r, 128);
    left.set(l.subarray(0, Math.min(128, frames - pos)), pos);
    right.set(r.subarray(0, Math.min(128, frames - pos)), pos);
  }
  // Left: the open hat of group 1 only (the closed hat is not connected).
  const before = rms(left, chokeAt - ms(1), chokeAt);
  assert.ok(before > 1e-3, `open hat level before the choke ${before}`);
  const after = peakAbs(left, chokeAt + ms(CHOKE_MS), frames);
  assert.ok(toDb(after / before) <= CHOKE_DB, `${toDb(after / before).toFixed(1)} dB ${CHOKE_MS} ms after the closed hit`);
  assert.ok(rms(left, chokeAt + ms(1), chokeAt + ms(2)) < before, 'fading from the choke frame on');
  // Right has the group-2 hat too: not choked.
  const other = rms(right, chokeAt + ms(10), chokeAt + ms(20));
  assert.ok(toDb(other / rms(right, chokeAt - ms(10), chokeAt)) > -10, 'another group keeps sounding');
});

drumContractTests({
  def: hatModule,
  params: { decay: 60 },
  silentAfter: ms(150),
  longParams: { decay: 100, open: 1 },
  unevenParams: [{ decay: 5 }, { decay: 300, open: 1 }],
});

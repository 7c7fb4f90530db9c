// The sound-card sink's clock estimate (device-clock.ts) on synthetic callback sequences:
// a device with a start-up burst and pause, steady jitter, a slip after a stall, clock drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceClock } from '../../src/runtime/device-clock.js';
import { TestRandom } from '../helpers/random.js';

const P = (128 / 48000) * 1000;

/** Feeds callbacks for blocks [from, to) at device times t0 + n·P·rate + delay(n); returns the last lateness. */
function feed(clock: DeviceClock, from: number, to: number, t0: number, delay: (n: number) => number, rate = 1): number {
  let late = -1;
  for (let n = from; n < to; n++) late = clock.observe(t0 + n * P * rate + delay(n), n);
  return late;
}

test('steady callbacks with non-negative jitter: t0 is the on-time schedule, lateness never negative', () => {
  const rng = new TestRandom(3);
  const random = (): number => rng.next();
  const clock = new DeviceClock(P);
  const t0 = 1000;
  let minLate = Infinity;
  let maxLate = 0;
  for (let n = 0; n < 5000; n++) {
    // Mostly on time, sometimes up to 1.5 periods late (the shape PulseAudio shows).
    const delay = random() < 0.8 ? random() * 0.1 : random() * 1.5 * P;
    const late = clock.observe(t0 + n * P + delay, n);
    if (n >= 100) {
      minLate = Math.min(minLate, late);
      maxLate = Math.max(maxLate, late);
    }
  }
  assert.ok(clock.started);
  assert.ok(Math.abs(clock.t0 - t0) < 0.1, `t0 off by ${clock.t0 - t0} ms`);
  assert.ok(minLate >= 0, `negative lateness ${minLate}`);
  assert.ok(maxLate <= 1.5 * P + 0.1, `lateness ${maxLate} beyond the jitter`);
  assert.equal(clock.reanchors, 0);
});

test('start-up burst and pause: nothing is published until the device runs steadily, then t0 is the new timeline', () => {
  const clock = new DeviceClock(P);
  // Burst: 4 callbacks within 1 ms (the device fills its buffer), then a 1.5 s pause.
  for (let n = 0; n < 4; n++) assert.equal(clock.observe(10 + n * 0.2, n), -1);
  assert.equal(clock.started, false);
  const resume = 1510;
  // After the pause block n is due at resume + (n - 4)·P: t0 = resume - 4·P.
  for (let n = 4; n < 4 + 15; n++) clock.observe(resume + (n - 4) * P, n);
  assert.equal(clock.started, false, 'not steady yet');
  feed(clock, 19, 200, resume - 4 * P, () => 0.05);
  assert.ok(clock.started);
  assert.ok(Math.abs(clock.t0 - (resume - 4 * P)) < 0.1, `t0 ${clock.t0} vs ${resume - 4 * P}`);
  assert.equal(clock.reanchors, 0);
});

test('a slip (the device played silence during a stall) moves t0 by the slip within a few callbacks', () => {
  const clock = new DeviceClock(P);
  feed(clock, 0, 1000, 0, () => 0.05);
  assert.ok(Math.abs(clock.t0) < 0.1);
  // From block 1000 on, every block plays 100 ms later.
  const late = feed(clock, 1000, 1010, 100, () => 0.05);
  assert.equal(clock.reanchors, 1);
  assert.ok(Math.abs(clock.t0 - 100) < 0.1, `t0 ${clock.t0}`);
  assert.ok(late < P, `still late by ${late} ms after the re-anchor`);
});

test('a burst of early callbacks (a device refilling its buffer after a restart) does not drag t0 earlier', () => {
  const clock = new DeviceClock(P);
  feed(clock, 0, 1000, 0, () => 0.05);
  feed(clock, 1000, 1004, 0, () => -8);
  let maxLate = 0;
  for (let n = 1004; n < 1300; n++) maxLate = Math.max(maxLate, clock.observe(n * P + 0.05, n));
  assert.ok(Math.abs(clock.t0) < 0.1, `t0 moved to ${clock.t0}`);
  assert.ok(maxLate < 0.2, `callbacks on the old timeline read ${maxLate} ms late`);
  assert.equal(clock.reanchors, 0);
});

test('clock drift either way is followed', () => {
  for (const ppm of [-500, 500]) {
    const clock = new DeviceClock(P);
    const rate = 1 + ppm * 1e-6;
    feed(clock, 0, 20000, 0, () => 0.05, rate);
    const n = 20000;
    const expected = n * P * rate - n * P; // where t0 should be now, given the device's rate
    assert.ok(Math.abs(clock.t0 - expected) < 0.5, `${ppm} ppm: t0 ${clock.t0} vs ${expected}`);
    assert.equal(clock.reanchors, 0, `${ppm} ppm counted as slips`);
  }
});

test('a device that never runs steadily still starts the clock after the warm-up limit', () => {
  const clock = new DeviceClock(P, 1, 16, 128, 100);
  // Alternating bursts: 0.1 ms and 2·P apart, never 16 plausible intervals... in a row.
  let t = 0;
  for (let n = 0; n < 99; n++) {
    t += n % 2 === 0 ? 0.01 : 2 * P;
    clock.observe(t, n);
  }
  assert.equal(clock.started, false);
  clock.observe(t + P, 99);
  assert.ok(clock.started);
});

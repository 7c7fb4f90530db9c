import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hermite4, lfoSinTurns, ringLength } from '../../src/dsp/lib/delay-line.js';

test('delay-line: the Hermite read is exact at integer positions and for lines and parabolas', () => {
  for (const [a, b, c, e] of [[0.3, -1, 2, 5], [1e-3, 7, -7, 0]] as const) assert.equal(hermite4(a, b, c, e, 0), b);
  for (let f = 0; f < 1; f += 0.0625) {
    assert.ok(Math.abs(hermite4(-1, 0, 1, 2, f) - f) < 1e-15, `line at ${f}`);
    const sq = (x: number): number => x * x;
    assert.ok(Math.abs(hermite4(sq(-1), sq(0), sq(1), sq(2), f) - f * f) < 1e-14, `parabola at ${f}`);
  }
});

test('delay-line: the Hermite read\'s magnitude response never exceeds 1 (a feedback loop through it cannot grow)', () => {
  let worst = 0;
  for (let fi = 0; fi <= 400; fi++) {
    const f = fi / 400;
    // Impulse response: the weights of taps x[i−1], x[i], x[i+1], x[i+2].
    const w = [hermite4(1, 0, 0, 0, f), hermite4(0, 1, 0, 0, f), hermite4(0, 0, 1, 0, f), hermite4(0, 0, 0, 1, f)];
    for (let k = 0; k <= 400; k++) {
      const om = (Math.PI * k) / 400;
      let re = 0;
      let im = 0;
      for (let t = 0; t < 4; t++) {
        re += w[t]! * Math.cos(om * (t - 1));
        im += w[t]! * Math.sin(om * (t - 1));
      }
      worst = Math.max(worst, Math.hypot(re, im));
    }
  }
  assert.ok(worst <= 1 + 1e-12, `largest gain ${worst}`);
  assert.ok(worst >= 1 - 1e-12, 'unity at DC');
});

test('delay-line: lfoSinTurns is within 6e-8 of sin(2πx), never beyond ±1, and 0 at 0 and ½', () => {
  let worst = 0;
  for (let i = -50000; i < 100000; i++) {
    const x = i / 100000;
    const s = lfoSinTurns(x);
    worst = Math.max(worst, Math.abs(s - Math.sin(2 * Math.PI * x)));
    assert.ok(Math.abs(s) <= 1, `|sin| > 1 at ${x}`);
  }
  assert.ok(worst < 6e-8, `worst error ${worst}`);
  assert.equal(lfoSinTurns(0), 0);
  assert.equal(lfoSinTurns(0.5), 0);
});

test('delay-line: ringLength is the smallest power of two holding the delay and the interpolator', () => {
  for (const n of [1, 12, 13, 100, 480000]) {
    const len = ringLength(n);
    assert.equal(len & (len - 1), 0);
    assert.ok(len >= n + 4 && len / 2 < Math.max(16, n + 4));
  }
});

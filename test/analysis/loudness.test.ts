// BS.1770-4 / EBU R128 loudness against the EBU Tech 3341 (V4, 2016) test signals, generated
// here per the spec: 1 kHz sines, equal in both channels unless stated (levels are sine peak
// levels in dBFS), expected integrated loudness ±0.1 LU; and the K-weighting coefficients
// against the 48 kHz table of BS.1770-4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kWeightingFilters, measureLoudness } from '../../src/analysis/loudness.js';
import { analyzeAudio } from '../../src/analysis/analyze.js';
import { isMeasured } from '../../src/analysis/types.js';

const RATE = 48000;
const TOLERANCE_LU = 0.1;

/** Concatenated 1 kHz sine segments [seconds, dBFS] (phase continuous). */
function sineSegments(segments: ReadonlyArray<readonly [number, number]>, freq = 1000): Float32Array {
  const total = segments.reduce((s, [sec]) => s + Math.round(sec * RATE), 0);
  const x = new Float32Array(total);
  let i = 0;
  for (const [sec, db] of segments) {
    const a = 10 ** (db / 20);
    for (const end = i + Math.round(sec * RATE); i < end; i++) x[i] = a * Math.sin((2 * Math.PI * freq * i) / RATE);
  }
  return x;
}

test('K-weighting at 48 kHz reproduces the BS.1770-4 coefficient tables (1e-8)', () => {
  const [shelf, hp] = kWeightingFilters(48000);
  const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-8, `${a} vs ${b}`);
  near(shelf.b0, 1.53512485958697); near(shelf.b1, -2.69169618940638); near(shelf.b2, 1.19839281085285);
  near(shelf.a1, -1.69065929318241); near(shelf.a2, 0.73248077421585);
  near(hp.a1, -1.99004745483398); near(hp.a2, 0.99007225036621);
});

const CASES: Array<{ name: string; segments: ReadonlyArray<readonly [number, number]>; expected: number }> = [
  { name: 'case 1: stereo −23 dBFS, 20 s', segments: [[20, -23]], expected: -23 },
  { name: 'case 2: stereo −33 dBFS, 20 s', segments: [[20, -33]], expected: -33 },
  { name: 'case 3: −36/−23/−36 dBFS, 10/60/10 s (relative gate)', segments: [[10, -36], [60, -23], [10, -36]], expected: -23 },
  { name: 'case 4: −72/−36/−23/−36/−72 dBFS, 10/10/60/10/10 s (both gates)', segments: [[10, -72], [10, -36], [60, -23], [10, -36], [10, -72]], expected: -23 },
  { name: 'case 5: −26/−20/−26 dBFS, 20/20.1/20 s', segments: [[20, -26], [20.1, -20], [20, -26]], expected: -23 },
];

for (const c of CASES) {
  test(`EBU Tech 3341 ${c.name} → ${c.expected} LUFS ±${TOLERANCE_LU}`, () => {
    const x = sineSegments(c.segments);
    const { integrated } = measureLoudness([x, x], RATE);
    assert.ok(integrated !== null && Math.abs(integrated - c.expected) <= TOLERANCE_LU, `integrated ${integrated}`);
  });
}

test('EBU Tech 3341 case 6: 5.0 channels L/R −28, C −24, Ls/Rs −30 dBFS → −23 LUFS ±0.1', () => {
  const lr = sineSegments([[20, -28]]);
  const { integrated } = measureLoudness([lr, lr, sineSegments([[20, -24]]), sineSegments([[20, -30]]), sineSegments([[20, -30]])], RATE);
  assert.ok(integrated !== null && Math.abs(integrated + 23) <= TOLERANCE_LU, `integrated ${integrated}`);
});

test('EBU Tech 3341 case 9: 20 × (1.34 s at −20, 1.66 s at −30 dBFS): short-term constant at −23 LUFS ±0.1 after 3 s', () => {
  const segments: Array<[number, number]> = [];
  for (let i = 0; i < 20; i++) segments.push([1.34, -20], [1.66, -30]);
  const x = sineSegments(segments);
  const { shortTerm } = measureLoudness([x, x], RATE);
  // The first value covers 0–3 s; from then on every 3 s window holds one whole cycle.
  const values = shortTerm.filter((v): v is number => v !== null);
  assert.ok(values.length > 500);
  for (const v of values) assert.ok(Math.abs(v + 23) <= TOLERANCE_LU, `short-term ${v}`);
});

test('EBU Tech 3341 case 10 style: a single 3 s burst at −23 LUFS: max short-term −23 ±0.1; the report says not measurable under 3 s', () => {
  const x = sineSegments([[2, -60], [3, -23], [2, -60]]);
  const report = analyzeAudio({ channels: [x, x], sampleRate: RATE });
  const st = report.levels.lufsShortTermMax;
  assert.ok(isMeasured(st) && Math.abs(st + 23) <= TOLERANCE_LU, JSON.stringify(st));
  const short = sineSegments([[2, -23]]);
  assert.equal(isMeasured(analyzeAudio({ channels: [short, short], sampleRate: RATE }).levels.lufsShortTermMax), false);
});

test('integrated loudness of digital silence is not measurable (below the absolute gate), with the reason', () => {
  const x = new Float32Array(RATE * 2);
  const l = analyzeAudio({ channels: [x, x], sampleRate: RATE }).levels.lufsIntegrated;
  assert.ok(!isMeasured(l) && /absolute gate/.test(l.reason), JSON.stringify(l));
});

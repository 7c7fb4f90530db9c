// The report as a whole: schema, JSON round trip, compact size (≈ 1–2 k tokens, JSON length / 4),
// checks (parsing, pass/fail, not-measurable reasons), delta against a reference, arrays on
// request, and the time to analyse 4 s of stereo.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { analyzeAudio, ANALYSIS_SCHEMA } from '../../src/analysis/index.js';
import { BEAT_RATE, GROOVES, renderBeat } from '../helpers/beats.js';

const RATE = 48000;
/** A compact report stays under 2 k tokens (JSON characters / 4) even for a busy 8 s beat. */
const MAX_COMPACT_TOKENS = 2000;

function sine(freq: number, amp: number, seconds: number): Float32Array {
  return new Float32Array(Math.round(seconds * RATE)).map((_, i) => amp * Math.sin((2 * Math.PI * freq * i) / RATE));
}

test('schema, summary, JSON round trip; compact under 2 k tokens; arrays add the series and every onset', () => {
  const { left, right } = renderBeat(174, GROOVES['dnb']!, 8);
  const compact = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }, { expected: { bpm: 174 }, checks: ['tempo ≈ 174 ±0.5', 'no_clip'] });
  assert.equal(compact.schema, ANALYSIS_SCHEMA);
  assert.equal(typeof compact.summary, 'string');
  assert.ok(!compact.summary.includes('\n'));
  const json = JSON.stringify(compact);
  assert.deepEqual(JSON.parse(json), compact);
  assert.ok(json.length / 4 <= MAX_COMPACT_TOKENS, `${json.length / 4} tokens`);
  assert.ok(compact.rhythm.onsets.truncated && compact.rhythm.onsets.times.length < compact.rhythm.onsets.count);
  assert.equal(compact.series, undefined);
  const full = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }, { arrays: true });
  assert.equal(full.rhythm.onsets.times.length, full.rhythm.onsets.count);
  assert.ok(full.series !== undefined && full.series.shortTermLufs.length > 40);
});

test('checks: each with expected, measured and pass; unparseable and unmeasurable checks fail with a reason', () => {
  const x = sine(220, 0.25, 4);
  const r = analyzeAudio({ channels: [x, x], sampleRate: RATE }, {
    checks: ['f0 ≈ 220 Hz ±5 cents', 'f0 ≈ 233 Hz ±5 cents', 'lufs in [-16, -12]', 'peak < -1', 'true_peak <= -11 dBTP', 'no_clip', 'onsets = 1', 'tempo ≈ 120 ±1', 'loudest please', 'zorg > 1'],
  });
  const byCheck = new Map(r.checks.map((c) => [c.check, c]));
  assert.equal(byCheck.get('f0 ≈ 220 Hz ±5 cents')!.pass, true);
  assert.equal(byCheck.get('f0 ≈ 233 Hz ±5 cents')!.pass, false);
  // A −12.04 dBFS-peak stereo sine at 220 Hz: about −12.9 LUFS.
  assert.equal(byCheck.get('lufs in [-16, -12]')!.pass, true, JSON.stringify(byCheck.get('lufs in [-16, -12]')));
  assert.equal(byCheck.get('peak < -1')!.pass, true);
  assert.equal(byCheck.get('true_peak <= -11 dBTP')!.pass, true);
  assert.equal(byCheck.get('no_clip')!.pass, true);
  assert.equal(byCheck.get('onsets = 1')!.pass, true);
  const tempo = byCheck.get('tempo ≈ 120 ±1')!;
  assert.ok(!tempo.pass && tempo.measured === null && /not measurable/.test(tempo.reason ?? ''));
  assert.ok(!byCheck.get('loudest please')!.pass && /cannot parse/.test(byCheck.get('loudest please')!.reason ?? ''));
  assert.ok(/unknown metric/.test(byCheck.get('zorg > 1')!.reason ?? ''));
  assert.match(r.summary, /4 of 10 checks FAIL/);
});

test('delta against a reference: a 6 dB quieter take reads about −6 LU', () => {
  const loud = sine(440, 0.5, 4);
  const quiet = sine(440, 0.25, 4);
  const reference = analyzeAudio({ channels: [loud, loud], sampleRate: RATE });
  const r = analyzeAudio({ channels: [quiet, quiet], sampleRate: RATE }, { reference });
  assert.ok(r.delta !== undefined);
  assert.ok(Math.abs(r.delta.values['lufsIntegrated']! + 6.02) < 0.05, JSON.stringify(r.delta));
  assert.ok(r.delta.bandsDb !== undefined && Math.abs(r.delta.bandsDb[4]! + 6.02) < 0.1, JSON.stringify(r.delta.bandsDb));
  assert.match(r.summary, /loudness -6/);
});

test('4 s of stereo is analysed in well under the time it plays (measured, printed)', () => {
  const { left, right } = renderBeat(128, GROOVES['house']!, 4);
  analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE });
  const start = performance.now();
  const runs = 3;
  for (let i = 0; i < runs; i++) analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE });
  const ms = (performance.now() - start) / runs;
  process.stdout.write(`# analyzeAudio, 4 s stereo at 48 kHz: ${ms.toFixed(0)} ms\n`);
  // Generous: the suite runs on shared machines; a real-time factor below 1 is the contract.
  assert.ok(ms < 4000, `${ms} ms`);
});

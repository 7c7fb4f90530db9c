// Tempo and grid on beats rendered by the real offline renderer from /seq commands
// (examples/drum-kit.json): 90, 128 and 174 BPM in three grooves each, ±0.5 BPM with no octave
// error, the half and double alternatives listed, and onsets on the sequencer's grid.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeAudio } from '../../src/analysis/analyze.js';
import { isMeasured } from '../../src/analysis/types.js';
import { BEAT_RATE, GROOVES, renderBeat } from '../helpers/beats.js';

const BPM_TOLERANCE = 0.5;
/** Onsets are placed to 0.25 ms; the renderer puts hits on exact samples. */
const GRID_TOLERANCE_MS = 1;
const SECONDS = 8;

for (const bpm of [90, 128, 174]) {
  test(`${bpm} BPM in house, hip-hop and drum & bass grooves: ±${BPM_TOLERANCE} BPM, no octave error, half and double listed, onsets within ${GRID_TOLERANCE_MS} ms of the grid`, () => {
    for (const [name, patterns] of Object.entries(GROOVES)) {
      const { left, right } = renderBeat(bpm, patterns, SECONDS);
      const r = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }, { expected: { bpm, stepsPerBeat: 4, gridStartSeconds: 0 } });
      const tempo = r.rhythm.tempo;
      assert.ok(isMeasured(tempo), `${name}: ${JSON.stringify(tempo)}`);
      assert.ok(Math.abs(tempo.bpm - bpm) <= BPM_TOLERANCE, `${name} at ${bpm}: measured ${tempo.bpm} (${JSON.stringify(tempo.alternatives)})`);
      const half = tempo.alternatives.find((a) => a.label === 'half');
      const double = tempo.alternatives.find((a) => a.label === 'double');
      assert.ok(half !== undefined && Math.abs(half.bpm - bpm / 2) <= BPM_TOLERANCE, `${name}: ${JSON.stringify(tempo.alternatives)}`);
      assert.ok(double !== undefined && Math.abs(double.bpm - bpm * 2) <= 2 * BPM_TOLERANCE, `${name}: ${JSON.stringify(tempo.alternatives)}`);
      // Every distinct hit position of the bar is one onset.
      const positions = new Set(Object.values(patterns).flatMap((p) => [...p].flatMap((c, i) => (c === '.' ? [] : [i]))));
      const stepSeconds = 60 / bpm / 4;
      let expectedOnsets = 0;
      for (let t = 0; t < SECONDS - 0.03; t += stepSeconds) if (positions.has(Math.round(t / stepSeconds) % 16)) expectedOnsets++;
      assert.equal(r.rhythm.onsets.count, expectedOnsets, `${name} at ${bpm}`);
      const grid = r.rhythm.grid;
      assert.ok(grid !== undefined && isMeasured(grid), JSON.stringify(grid));
      assert.ok(grid.maxAbsDeviationMs <= GRID_TOLERANCE_MS && grid.offGrid === 0, `${name}: ${JSON.stringify(grid)}`);
      assert.match(grid.tempoMatch, /^as expected/);
    }
  });
}

test('a grid at the wrong tempo shows: onsets off the grid and "double the expected tempo" when told half the BPM', () => {
  const { left, right } = renderBeat(128, GROOVES['house']!, 4);
  const r = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }, { expected: { bpm: 64 } });
  const grid = r.rhythm.grid;
  assert.ok(grid !== undefined && isMeasured(grid));
  assert.match(grid.tempoMatch, /^double the expected/);
  const off = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }, { expected: { bpm: 121 } }).rhythm.grid;
  assert.ok(off !== undefined && isMeasured(off) && off.offGrid > 0, JSON.stringify(off));
});

test('a steady tone has no tempo: not measurable, with the reason', () => {
  const x = new Float32Array(4 * BEAT_RATE).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / BEAT_RATE));
  const tempo = analyzeAudio({ channels: [x], sampleRate: BEAT_RATE }).rhythm.tempo;
  assert.ok(!isMeasured(tempo) && /at least 4/.test(tempo.reason), JSON.stringify(tempo));
});

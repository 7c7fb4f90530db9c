// Defects on synthetic signals: a click (a 0.05 step) in a sine found at its sample time, none
// in the clean sine or in sequencer-rendered drums; a silent gap found with its span; NaN,
// clipping and DC counted, each with its severity.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeAudio } from '../../src/analysis/analyze.js';
import { BEAT_RATE, GROOVES, renderBeat } from '../helpers/beats.js';

const RATE = 48000;
/** Click times are reported to the sample; allow one. */
const CLICK_TIME_TOLERANCE_S = 1 / RATE;
/** Silent spans are found on a 10 ms grid. */
const SPAN_TOLERANCE_S = 0.0101;

function sine(seconds: number, amp = 0.5, freq = 440): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / RATE);
  return x;
}

test('a clean sine has no defects', () => {
  const d = analyzeAudio({ channels: [sine(2)], sampleRate: RATE }).defects;
  for (const defect of Object.values(d)) assert.equal(defect.severity, 'ok', JSON.stringify(defect));
});

test('clicks: a 0.05 step at 0.5 s and a one-sample spike at 1.25 s are found at their times', () => {
  const x = sine(2);
  const step = Math.round(0.5 * RATE);
  for (let i = step; i < x.length; i++) x[i]! += 0.05;
  const spike = Math.round(1.25 * RATE);
  x[spike]! += 0.1;
  const d = analyzeAudio({ channels: [x], sampleRate: RATE }).defects.clicks;
  assert.equal(d.count, 2, JSON.stringify(d));
  assert.equal(d.severity, 'warning');
  assert.ok(Math.abs(d.times[0]! - step / RATE) <= CLICK_TIME_TOLERANCE_S, `${d.times[0]}`);
  assert.ok(Math.abs(d.times[1]! - spike / RATE) <= CLICK_TIME_TOLERANCE_S, `${d.times[1]}`);
});

test('no clicks are reported in sequencer-rendered drums (attacks are not clicks)', () => {
  for (const [bpm, groove] of [[128, 'house'], [174, 'dnb']] as const) {
    const { left, right } = renderBeat(bpm, GROOVES[groove]!, 4);
    const d = analyzeAudio({ channels: [left, right], sampleRate: BEAT_RATE }).defects.clicks;
    assert.equal(d.count, 0, `${groove}: ${JSON.stringify(d)}`);
  }
});

test('silence: a 0.4 s gap of digital silence from 1.0 s is one span [1.0, 1.4] (info); all-zero input is an error', () => {
  const x = sine(2);
  x.fill(0, Math.round(1.0 * RATE), Math.round(1.4 * RATE));
  const s = analyzeAudio({ channels: [x], sampleRate: RATE }).defects.silence;
  assert.equal(s.spans.length, 1, JSON.stringify(s));
  assert.ok(Math.abs(s.spans[0]![0] - 1.0) <= SPAN_TOLERANCE_S && Math.abs(s.spans[0]![1] - 1.4) <= SPAN_TOLERANCE_S, JSON.stringify(s.spans));
  assert.equal(s.severity, 'info');
  const silent = analyzeAudio({ channels: [new Float32Array(RATE)], sampleRate: RATE });
  assert.equal(silent.defects.silence.severity, 'error');
  assert.match(silent.summary, /SILENT/);
});

test('NaN/Inf, clipping, overs and DC are counted with their severities', () => {
  const x = sine(1, 0.5);
  x[100] = Number.NaN;
  x[200] = Number.POSITIVE_INFINITY;
  x[300] = 1;
  x[400] = -1.5;
  const d = analyzeAudio({ channels: [x], sampleRate: RATE }).defects;
  assert.equal(d.nonFinite.count, 2);
  assert.equal(d.nonFinite.severity, 'error');
  assert.equal(d.clipped.count, 2);
  assert.equal(d.clipped.overs, 1);
  assert.equal(d.clipped.severity, 'error');
  const dc = analyzeAudio({ channels: [sine(1, 0.3).map((v) => v + 0.02)], sampleRate: RATE }).defects.dcOffset;
  assert.equal(dc.severity, 'warning');
  assert.ok(Math.abs(dc.max - 0.02) < 1e-4);
});

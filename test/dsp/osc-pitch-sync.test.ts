// osc's `pitch` input (1 V/oct: f = freq · 2^pitch per sample) and hard sync (`sync`: a rising
// edge resets the phase, band-limited; src/dsp/modules/osc-sync.ts), issue 14.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oscModule } from '../../src/dsp/modules/osc.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { blackmanHarris, cents, goertzelAmplitude, magnitudeSpectrum, peakFrequency, toDb } from '../helpers/analysis.js';

const FS = 48000;
const SINE = 0;
const SAW = 1;
const SQUARE = 2;
const TRIANGLE = 3;
/** Pitch: the frequency an octave input gives, in cents (issue 14). */
const PITCH_TOLERANCE_CENTS = 0.1;
/** Sync: the synced output's fundamental against the master's, in cents (issue 14). */
const SYNC_FREQUENCY_TOLERANCE_CENTS = 1;
/** Synced saw harmonics against the ideal synced saw's Fourier series, in dB. */
const SYNC_HARMONIC_TOLERANCE_DB = 0.1;
/** Worst non-harmonic component of a synced saw (aliasing), in dB re its strongest harmonic. */
const SYNC_ALIAS_LIMIT_DB = -50;

function osc(params: Record<string, number>): KernelHarness {
  return new KernelHarness(oscModule, { sampleRate: FS, params });
}

/** Frequency from the first and last rising zero crossings (linearly interpolated) of [start, end). */
function zeroCrossingFrequency(x: Float32Array, start: number, end: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = start + 1; i < end; i++) {
    if (x[i - 1]! <= 0 && x[i]! > 0) {
      const t = i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!);
      if (first < 0) first = t;
      last = t;
      count++;
    }
  }
  return ((count - 1) * FS) / (last - first);
}

test('pitch +1 octave doubles the frequency (−1 halves it, 0.5 is × √2) within 0.1 cent', () => {
  const frames = 2 * FS;
  for (const [pitchValue, ratio] of [[1, 2], [-1, 0.5], [0.5, Math.SQRT2], [7 / 12, 2 ** (7 / 12)]] as const) {
    for (const freq of [110, 440, 1234.5]) {
      const pitch = new Float32Array(frames).fill(pitchValue);
      const y = osc({ waveform: SINE, freq, gain: 0.5 }).render(frames, { inputs: { pitch } })[0]!;
      const measured = zeroCrossingFrequency(y, 1000, frames);
      const error = cents(measured, freq * ratio);
      assert.ok(Math.abs(error) <= PITCH_TOLERANCE_CENTS, `freq ${freq} pitch ${pitchValue}: ${measured} Hz, ${error.toFixed(4)} cents`);
    }
  }
});

test('pitch is applied per sample: a pitch signal equals a freq curve of freq · 2^pitch, bit for bit', () => {
  const frames = 20000;
  const pitch = new Float32Array(frames);
  for (let i = 0; i < frames; i++) pitch[i] = 1.5 * Math.sin(i / 300) + 0.2 * Math.sin(i / 7); // audio-rate wobble
  const curve = new Float64Array(frames);
  for (let i = 0; i < frames; i++) curve[i] = 330 * Math.pow(2, pitch[i]!);
  for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
    const a = osc({ waveform, freq: 330 }).render(frames, { block: 128, inputs: { pitch } })[0]!;
    const b = osc({ waveform, freq: 330 }).render(frames, { block: 128, paramCurves: { freq: curve } })[0]!;
    assert.deepEqual(a, b, `waveform ${waveform}`);
  }
});

/** The ideal synced saw (slave fs Hz restarted every master period T = 1/fm at t = 0): amplitude of harmonic k. */
function idealSyncedSawHarmonic(fSlave: number, fMaster: number, k: number): number {
  const m = 1 << 18;
  let re = 0;
  let im = 0;
  for (let j = 0; j < m; j++) {
    const t = (j + 0.5) / m; // fraction of the master period
    const cycles = (fSlave / fMaster) * t;
    const y = 2 * (cycles - Math.floor(cycles)) - 1;
    re += y * Math.cos(2 * Math.PI * k * t);
    im -= y * Math.sin(2 * Math.PI * k * t);
  }
  return (2 * Math.hypot(re, im)) / m;
}

test('hard sync: a synced saw has the master\'s period, the ideal synced saw\'s harmonics, and little aliasing', () => {
  const master = 200; // period 240 samples
  const slave = 700;
  const frames = 3 * FS;
  const sync = new Float32Array(frames);
  // The master's rising zero crossings fall between samples (0.3 of a sample before each n = 240k).
  for (let i = 0; i < frames; i++) sync[i] = Math.sin((2 * Math.PI * master * (i + 0.3)) / FS);
  const y = osc({ waveform: SAW, freq: slave, gain: 0.5 }).render(frames, { inputs: { sync } })[0]!;
  const from = FS; // settled, a whole number of master periods
  const to = from + 240 * 200;
  let strongest = 0;
  for (let k = 1; k <= 20; k++) {
    const measured = goertzelAmplitude(y, k * master, FS, from, to) / 0.5;
    const ideal = idealSyncedSawHarmonic(slave, master, k);
    strongest = Math.max(strongest, measured);
    if (ideal < 1e-3) continue;
    const error = toDb(measured / ideal);
    assert.ok(Math.abs(error) <= SYNC_HARMONIC_TOLERANCE_DB, `harmonic ${k} (${k * master} Hz): ${measured.toFixed(5)} vs ideal ${ideal.toFixed(5)} (${error.toFixed(3)} dB)`);
  }
  // The slave's character: the harmonics around the slave frequency dominate the fundamental.
  const h1 = goertzelAmplitude(y, master, FS, from, to);
  const nearSlave = Math.max(goertzelAmplitude(y, 600, FS, from, to), goertzelAmplitude(y, 800, FS, from, to));
  assert.ok(nearSlave > 0.5 * h1, `slave harmonics present: ${nearSlave} vs fundamental ${h1}`);
  // Aliasing: everything off the master's harmonics.
  const size = 65536;
  const mags = magnitudeSpectrum(y, size, from, blackmanHarris);
  const binHz = FS / size;
  let worst = 0;
  for (let b = Math.round(50 / binHz); b < mags.length; b++) {
    const f = b * binHz;
    const nearest = Math.round(f / master) * master;
    if (Math.abs(f - nearest) < 8 * binHz) continue;
    worst = Math.max(worst, mags[b]!);
  }
  const aliasDb = toDb(worst / (0.5 * strongest));
  assert.ok(aliasDb < SYNC_ALIAS_LIMIT_DB, `worst non-harmonic component ${aliasDb.toFixed(1)} dB`);
});

test('hard sync: the output fundamental is the master\'s within 1 cent (master period not a whole number of samples), every waveform', () => {
  const frames = 4 * FS;
  for (const master of [220, 97.3]) {
    const sync = new Float32Array(frames);
    for (let i = 0; i < frames; i++) sync[i] = Math.sin((2 * Math.PI * master * i) / FS);
    for (const waveform of [SINE, SAW, SQUARE, TRIANGLE]) {
      const y = osc({ waveform, freq: master * 2.37, gain: 0.5 }).render(frames, { inputs: { sync } })[0]!;
      const { freq } = peakFrequency(y, FS, { size: 131072, start: 8192, minHz: master * 0.7, maxHz: master * 1.3 });
      const error = cents(freq, master);
      assert.ok(Math.abs(error) <= SYNC_FREQUENCY_TOLERANCE_CENTS, `master ${master} waveform ${waveform}: ${freq} Hz (${error.toFixed(3)} cents)`);
      // Not a plain oscillator at its own frequency: the slave frequency is no harmonic of the master.
      assert.ok(y.every(Number.isFinite));
    }
  }
});

test('hard sync: a reset lands on the edge\'s sample; a sync input that never rises leaves the oscillator free-running', () => {
  const frames = 4800;
  const free = osc({ waveform: SAW, freq: 300 }).render(frames)[0]!;
  const quiet = osc({ waveform: SAW, freq: 300 }).render(frames, { inputs: { sync: new Float32Array(frames).fill(-1) } })[0]!;
  const maxDiff = free.reduce((m, v, i) => Math.max(m, Math.abs(v - quiet[i]!)), 0);
  assert.ok(maxDiff < 1e-6, `no edge, same output as free-running (${maxDiff})`);
  // A trigger at n = 1000 (0 → 1): the phase restarts there; the output (8 samples of latency)
  // from then on equals a fresh oscillator's started at that frame (up to the reset's residual
  // tail, which settles within the ring's 16 samples).
  const trig = new Float32Array(frames);
  for (let i = 1000; i < 1010; i++) trig[i] = 1;
  const synced = osc({ waveform: SAW, freq: 300 }).render(frames, { inputs: { sync: trig } })[0]!;
  const fresh = osc({ waveform: SAW, freq: 300 }).render(frames)[0]!;
  assert.deepEqual(synced.subarray(0, 990), free.subarray(0, 990), 'untouched before the edge');
  // The reset is placed at n = 999 (a step from 0), so sample 1000 is one increment past phase
  // 0, like a fresh oscillator's first sample: fresh sample m ↔ synced sample 1000 + m.
  let err = 0;
  for (let m = 24; m < 2000; m++) err = Math.max(err, Math.abs(synced[1000 + m]! - fresh[m]!));
  assert.ok(err < 1e-5, `after the reset it is a fresh oscillator: ${err}`);
});

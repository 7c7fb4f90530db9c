// acid: slide (RC glide in log-frequency, 63 % at τ), pitch steps on the gate's sample without
// slide, legato does not retrigger, accent level (+6·accent dB), the filter envelope (decay to
// −60 dB at `decay`, accent: at most 200 ms plus the accent sweep), release and idle.

import { createRegistry as registryForName } from '../../src/dsp/modules/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acidModule } from '../../src/dsp/modules/acid.js';
import { KernelHarness } from '../helpers/kernel-harness.js';
import { goertzelAmplitude, rms, toDb } from '../helpers/analysis.js';

const SR = 48000;
/** The documented constants (src/dsp/modules/acid.ts header), restated. */
const ACCENT_DB = 6;
const ACCENT_DECAY_MS = 200;
const ACCENT_OCTAVES = 2;
const ACCENT_SWEEP_MS = 15;
const RELEASE_MS = 8;
const SLIDE_TOLERANCE = 0.01;
const ACCENT_TOLERANCE_DB = 0.5;
/** A clean, open voice: the oscillator's zero crossings show in the output. */
const OPEN = { cutoff: 12000, res: 0, env_mod: 0 } as const;

interface Event {
  readonly frame: number;
  readonly gate?: boolean;
  readonly params?: Readonly<Record<string, number>>;
}

/** Renders `frames` samples, applying each event (params, then gate) at its frame. */
function play(params: Record<string, number>, events: readonly Event[], frames: number, inputs: Record<string, Float32Array> = {}): Float32Array {
  const h = new KernelHarness(acidModule, { params });
  const out = new Float32Array(frames);
  const cuts = [...new Set([0, ...events.map((e) => e.frame), frames])].sort((a, b) => a - b);
  for (let c = 0; c + 1 < cuts.length; c++) {
    const from = cuts[c]!;
    for (const e of events.filter((ev) => ev.frame === from)) {
      for (const [id, v] of Object.entries(e.params ?? {})) h.setParam(id, v);
      if (e.gate !== undefined) h.kernel.gate(e.gate, e.gate ? 1 : 0);
    }
    const to = cuts[c + 1]!;
    const segmentInputs = Object.fromEntries(Object.entries(inputs).map(([id, s]) => [id, s.subarray(from, to)]));
    const [y] = h.render(to - from, { inputs: segmentInputs });
    out.set(y!, from);
  }
  return out;
}

/** Upward zero crossings (sub-sample, linear interpolation) in [from, to). */
function upwardCrossings(y: Float32Array, from: number, to: number): number[] {
  const t: number[] = [];
  for (let i = from; i < to - 1; i++) {
    const a = y[i]!;
    const b = y[i + 1]!;
    if (a <= 0 && b > 0) t.push(i + a / (a - b));
  }
  return t;
}

/** log2 of the frequency of each period between crossings, at the period's midpoint (samples). */
function logFrequencyTrack(y: Float32Array, from: number, to: number): { at: number; log2f: number }[] {
  const c = upwardCrossings(y, from, to);
  const track: { at: number; log2f: number }[] = [];
  for (let k = 0; k + 1 < c.length; k++) track.push({ at: (c[k]! + c[k + 1]!) / 2, log2f: Math.log2(SR / (c[k + 1]! - c[k]!)) });
  return track;
}

test('slide: a legato gate glides in log-frequency and reaches 63.2 % of the step at τ (±1 %)', (t) => {
  for (const [slideMs, f0, f1] of [[100, 110, 220], [60, 220, 82.5], [250, 55, 146.8]] as const) {
    const n0 = 14400;
    const frames = n0 + Math.round((8 * slideMs * SR) / 1000);
    const y = play({ ...OPEN, freq: f0, slide: slideMs }, [{ frame: 0, gate: true }, { frame: n0, gate: true, params: { freq: f1 } }], frames);
    const track = logFrequencyTrack(y, n0 - 4800, frames);
    const l0 = Math.log2(f0);
    const l1 = Math.log2(f1);
    const level = l0 + (1 - Math.exp(-1)) * (l1 - l0);
    let crossing = Number.NaN;
    for (let k = 1; k < track.length; k++) {
      const a = track[k - 1]!;
      const b = track[k]!;
      if ((a.log2f - level) * (b.log2f - level) <= 0 && a.at > n0) {
        crossing = a.at + ((level - a.log2f) / (b.log2f - a.log2f)) * (b.at - a.at);
        break;
      }
    }
    const tauSamples = (slideMs * SR) / 1000;
    const err = (crossing - n0) / tauSamples - 1;
    t.diagnostic(`slide ${slideMs} ms ${f0}→${f1} Hz: 63.2 % after ${(crossing - n0).toFixed(1)} samples (τ·fs = ${tauSamples}, ${(100 * err).toFixed(3)} %)`);
    assert.ok(Math.abs(err) < SLIDE_TOLERANCE, `slide ${slideMs} ms ${f0}→${f1} Hz: 63.2 % at ${(crossing - n0).toFixed(1)} samples, τ = ${tauSamples} (${(100 * err).toFixed(3)} %)`);
    // Before the gate: f0; near the end (after 7.5 τ): f1 within e^−7.5 of the step.
    const before = track.filter((p) => p.at < n0 - 500);
    const late = track.filter((p) => p.at > n0 + 7.5 * tauSamples);
    assert.ok(Math.abs(before[before.length - 1]!.log2f - l0) < 5e-4, `before the slide: ${2 ** before[before.length - 1]!.log2f} Hz`);
    for (const p of late) assert.ok(Math.abs(p.log2f - l1) < Math.exp(-7.5) * Math.abs(l1 - l0) + 5e-4, `after 7.5 τ: ${2 ** p.log2f} Hz`);
  }
});

test('legato does not retrigger: a legato gate with slide 0 equals changing freq alone, bit for bit', () => {
  const n0 = 9000;
  const legato = play({ freq: 110, slide: 0 }, [{ frame: 0, gate: true }, { frame: n0, gate: true, params: { freq: 165 } }], 24000);
  const freqOnly = play({ freq: 110, slide: 0 }, [{ frame: 0, gate: true }, { frame: n0, params: { freq: 165 } }], 24000);
  assert.deepEqual(legato, freqOnly);
  // …and a retriggered note (gate off then on at the same frame) is different: the test can fail.
  const retrig = play({ freq: 110, slide: 0 }, [{ frame: 0, gate: true }, { frame: n0, gate: false }, { frame: n0, gate: true, params: { freq: 165 } }], 24000);
  assert.notDeepEqual(retrig, freqOnly);
});

test('without slide the pitch steps on the gate sample: from idle bit-identical to a fresh voice', () => {
  // A slid phrase, released to idle, then a new 220 Hz note at n1 equals a fresh voice's note.
  const n1 = 30000;
  const phrase = play({ ...OPEN, freq: 110, slide: 80 }, [
    { frame: 0, gate: true },
    { frame: 6000, gate: true, params: { freq: 165 } },
    { frame: 12000, gate: false },
    { frame: n1, gate: true, params: { freq: 220 } },
  ], n1 + 9600);
  const fresh = play({ ...OPEN, freq: 220, slide: 80 }, [{ frame: 0, gate: true }], 9600);
  for (let i = 12000 + (RELEASE_MS * SR) / 1000 + 1; i < n1; i++) assert.equal(phrase[i], 0, `idle output at ${i}`);
  assert.deepEqual(phrase.subarray(n1), fresh);
});

test('without slide the pitch steps on the gate sample: a new note in the release of a slid one', () => {
  // Note B is slid to (glide mode); it is released at 12000 and a new note starts at n1 while
  // the release still sounds. The new note must not glide: 220 Hz from its gate sample.
  const n1 = 12100;
  const events = (gateAt: number): Event[] => [
    { frame: 0, gate: true },
    { frame: 6000, gate: true, params: { freq: 165 } },
    { frame: 12000, gate: false },
    { frame: n1, params: { freq: 220 } },
    { frame: gateAt, gate: true },
  ];
  const onTime = play({ ...OPEN, freq: 110, slide: 80 }, events(n1), n1 + 4800);
  const late = play({ ...OPEN, freq: 110, slide: 80 }, events(n1 + 1), n1 + 4800);
  for (let i = 0; i < n1; i++) assert.equal(onTime[i], late[i], `sample ${i} before the gate`);
  assert.notEqual(onTime[n1], late[n1], 'the gate sample plays the new pitch');
  const track = logFrequencyTrack(onTime, n1, n1 + 4800);
  for (const p of track) assert.ok(Math.abs(p.log2f - Math.log2(220)) < 0.0005, `period at ${p.at.toFixed(1)}: ${(2 ** p.log2f).toFixed(3)} Hz`);
  // A legato gate at the same frame glides instead (the check above can fail).
  const legato = play({ ...OPEN, freq: 110, slide: 80 }, [{ frame: 0, gate: true }, { frame: 6000, gate: true, params: { freq: 165 } }, { frame: n1, gate: true, params: { freq: 220 } }], n1 + 4800);
  const first = logFrequencyTrack(legato, n1, n1 + 4800)[0]!;
  assert.ok(first.log2f < Math.log2(200), `legato starts near the old pitch: ${2 ** first.log2f} Hz`);
});

test(`accent raises the level by ${ACCENT_DB}·accent dB (±${ACCENT_TOLERANCE_DB} dB), from the note's gate`, (t) => {
  const level = (accent: number): number => {
    const y = play({ ...OPEN, freq: 110, accent }, [{ frame: 0, gate: true }], 14400);
    return goertzelAmplitude(y, 110, SR, 960, 14400);
  };
  const plain = level(0);
  for (const accent of [0.5, 1]) {
    const db = toDb(level(accent) / plain);
    t.diagnostic(`accent ${accent}: +${db.toFixed(3)} dB`);
    assert.ok(Math.abs(db - ACCENT_DB * accent) < ACCENT_TOLERANCE_DB, `accent ${accent}: +${db.toFixed(3)} dB`);
  }
  // The accent is the param's value at the gate: set after the gate, it does nothing to that note.
  const late = play({ ...OPEN, freq: 110 }, [{ frame: 0, gate: true }, { frame: 1, params: { accent: 1 } }], 14400);
  assert.ok(Math.abs(toDb(goertzelAmplitude(late, 110, SR, 960, 14400) / plain)) < 0.01);
});

/**
 * The filter envelope as documented: a voice with env_mod E must sound like a voice with
 * env_mod 0 whose cutoff_mod input carries E·m(j) + ACCENT_OCTAVES·w(j), m(j) = 0.001^(j/D).
 * Returns the RMS difference relative to the RMS of the voice.
 */
function envelopeMismatch(envMod: number, decayMs: number, accent: number, modelDecayMs: number): number {
  const frames = Math.round(1.5 * SR);
  const base = { cutoff: 300, res: 0.5, freq: 55, decay: decayMs };
  const levelFactor = 10 ** ((ACCENT_DB * accent) / 20);
  const voice = play({ ...base, env_mod: envMod, accent, gain: 0.4 }, [{ frame: 0, gate: true }], frames);
  const mod = new Float32Array(frames);
  const d = (modelDecayMs * SR) / 1000;
  const beta = 1 - Math.exp(-1000 / (ACCENT_SWEEP_MS * SR));
  let w = 0;
  for (let j = 0; j < frames; j++) {
    const m = 0.001 ** (j / d);
    w += (accent * m - w) * beta;
    mod[j] = envMod * m + ACCENT_OCTAVES * w;
  }
  const model = play({ ...base, env_mod: 0, accent: 0, gain: 0.4 * levelFactor }, [{ frame: 0, gate: true }], frames, { cutoff_mod: mod });
  const diff = new Float32Array(frames);
  for (let i = 0; i < frames; i++) diff[i] = voice[i]! - model[i]!;
  return rms(diff) / rms(voice);
}

test('the filter envelope decays to −60 dB at `decay`; accented notes at min(decay, 200 ms) plus the sweep', (t) => {
  for (const [envMod, decay, accent, expectedDecay] of [[4, 500, 0, 500], [3, 1500, 0, 1500], [2, 1000, 1, ACCENT_DECAY_MS], [2, 120, 0.5, 120]] as const) {
    const match = envelopeMismatch(envMod, decay, accent, expectedDecay);
    assert.ok(match < 1e-3, `env_mod ${envMod} decay ${decay} accent ${accent}: mismatch ${match}`);
    // A model 3 % off in time is clearly distinguishable (the check can fail).
    const off = envelopeMismatch(envMod, decay, accent, expectedDecay * 1.03);
    t.diagnostic(`env_mod ${envMod} decay ${decay} accent ${accent}: relative RMS mismatch ${match.toExponential(2)} (model 3 % off: ${off.toExponential(2)})`);
    assert.ok(off > 20 * match && off > 1e-3, `env_mod ${envMod} decay ${decay} accent ${accent}: 3 % off gives ${off}`);
  }
});

test(`gate off releases linearly to exact zero in ${RELEASE_MS} ms; the voice then idles and replays bit-identically`, () => {
  const off = 9000;
  const releaseSamples = (RELEASE_MS * SR) / 1000;
  const second = 20000;
  const y = play({ freq: 98 }, [{ frame: 0, gate: true }, { frame: off, gate: false }, { frame: second, gate: true }, { frame: second + off, gate: false }], second + 12000);
  assert.ok(Math.abs(y[off + releaseSamples - 20]!) > 0, 'still sounding just before the end of the release');
  for (let i = off + releaseSamples + 1; i < second; i++) assert.equal(y[i], 0, `sample ${i}`);
  assert.deepEqual(y.subarray(second, second + 12000), y.subarray(0, 12000));
});

test("the registry resolves 'acid' to this module", () => {
  assert.equal(registryForName().get('acid')?.kernel, acidModule.kernel);
});

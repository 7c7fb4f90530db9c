// W2 workload: N subtractive voices summed into `out`. Shared by the engine benchmark, the
// hand-written reference (bench/w2-reference.ts) and the equivalence test, so all three read
// the same numbers from one place.
//
// Voice i (0-based), N voices, 44.1 kHz:
//   osc    saw, freq 55·2^((i mod 24)/12)·(1 + 0.0007·i) Hz, gain 1
//   lfo    sine, depth 1, offset 0, rate 0.3 + 0.47·((7i) mod N)/N Hz (spread over 0.3–0.77 Hz;
//          7 is coprime with most N, so neighbouring voices get well-separated rates)
//   filter lp, cutoff 800 Hz, q 4; lfo → filter.fm with amount 2 (fm is in octaves, so the
//          effective cutoff is 800·2^(2·lfo) Hz, 200–3200 Hz)
//   adsr   linear, A 5 ms, D 50 ms, S 0.5, R 80 ms; filter → adsr.in (in × envelope)
//   adsr → out.in with amount 0.5/N (the voice gain: keeps the sum well below the limiter's
//          threshold, so the limiter is present but idle, not what is measured)
//   out    level 1, pan 0 (centre); its limiter/clipper stage runs in both engine and reference
// Gates: every voice together, on at t = k·0.25 s and off at k·0.25 + 0.15 s (k = 0, 1, ...),
// as `/gate/env<i>` commands in a score (frame = round(t·44100), as for any score).

import { createRegistry } from '../src/dsp/modules/index.js';
import { parseScore, type TimedCommand } from '../src/control/score.js';
import type { PatchConnection, PatchDocument, PatchModule, ResolvedPatch } from '../src/patch/document.js';
import { validatePatch } from '../src/patch/validate.js';

export const W2 = {
  sampleRate: 44100,
  oscGain: 1,
  cutoffHz: 800,
  q: 4,
  /** Depth of lfo → filter.fm, in octaves. */
  fmOctaves: 2,
  attackMs: 5,
  decayMs: 50,
  sustain: 0.5,
  releaseMs: 80,
  /** Summed voice gain: each voice enters `out` with amount mixScale / N. */
  mixScale: 0.5,
  outLevel: 1,
  gatePeriodS: 0.25,
  gateLengthS: 0.15,
} as const;

/** Per-voice parameters (index = voice). */
export interface W2Voices {
  readonly count: number;
  readonly freq: Float64Array;
  readonly lfoRate: Float64Array;
  /** Amount of the voice's connection into out.in. */
  readonly gain: Float64Array;
}

export function w2Voices(count: number): W2Voices {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`W2: voice count must be a positive integer, got ${count}`);
  const freq = new Float64Array(count);
  const lfoRate = new Float64Array(count);
  const gain = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    freq[i] = 55 * Math.pow(2, (i % 24) / 12) * (1 + 0.0007 * i);
    lfoRate[i] = 0.3 + (0.47 * ((i * 7) % count)) / count;
    gain[i] = W2.mixScale / count;
  }
  return { count, freq, lfoRate, gain };
}

/** Module ids of voice i. */
export const w2Ids = (i: number): { lfo: string; osc: string; filter: string; env: string } => ({
  lfo: `lfo${i}`,
  osc: `osc${i}`,
  filter: `vcf${i}`,
  env: `env${i}`,
});

/** The W2 patch document (modules voice by voice, so render order is voice by voice too). */
export function w2Document(voices: W2Voices): PatchDocument {
  const modules: PatchModule[] = [];
  const connections: PatchConnection[] = [];
  for (let i = 0; i < voices.count; i++) {
    const id = w2Ids(i);
    modules.push(
      { id: id.lfo, type: 'lfo', params: { shape: 'sine', rate: voices.lfoRate[i]!, depth: 1, offset: 0 } },
      { id: id.osc, type: 'osc', params: { waveform: 'saw', freq: voices.freq[i]!, gain: W2.oscGain } },
      { id: id.filter, type: 'filter', params: { mode: 'lp', cutoff: W2.cutoffHz, q: W2.q } },
      {
        id: id.env,
        type: 'adsr',
        params: { attack: W2.attackMs, decay: W2.decayMs, sustain: W2.sustain, release: W2.releaseMs, curve: 'linear' },
      },
    );
    connections.push(
      { from: id.osc, to: `${id.filter}.in` },
      { from: id.lfo, to: `${id.filter}.fm`, amount: W2.fmOctaves },
      { from: id.filter, to: `${id.env}.in` },
      { from: id.env, to: 'out.in', amount: voices.gain[i]! },
    );
  }
  modules.push({ id: 'out', type: 'out', params: { level: W2.outLevel, pan: 0 } });
  return { format: 'chronus-patch', version: 1, modules, connections };
}

/** Gate events in the reference's form: all voices switch together at each frame. */
export interface W2Gates {
  /** Ascending frames. */
  readonly frames: Float64Array;
  /** 1 = gate on, 0 = gate off, per frame. */
  readonly on: Uint8Array;
}

export interface W2Build {
  readonly voices: W2Voices;
  readonly frames: number;
  readonly document: PatchDocument;
  readonly patch: ResolvedPatch;
  /** The engine's score: one /gate/env<i> command per voice and gate edge. */
  readonly score: TimedCommand[];
  /** The same gate edges, derived from `score`, for the reference. */
  readonly gates: W2Gates;
}

export function buildW2(voiceCount: number, seconds: number): W2Build {
  const sampleRate = W2.sampleRate;
  const voices = w2Voices(voiceCount);
  const frames = Math.round(seconds * sampleRate);
  const document = w2Document(voices);
  const validated = validatePatch(document, createRegistry());
  if (!validated.ok) throw new Error(`W2 patch invalid: ${JSON.stringify(validated.errors.slice(0, 3))}`);

  const entries: { at: number; address: string; args: number[] }[] = [];
  for (let k = 0; k * W2.gatePeriodS < seconds; k++) {
    const on = k * W2.gatePeriodS;
    const off = on + W2.gateLengthS;
    for (let i = 0; i < voiceCount; i++) entries.push({ at: on, address: `/gate/${w2Ids(i).env}`, args: [1] });
    if (off < seconds) for (let i = 0; i < voiceCount; i++) entries.push({ at: off, address: `/gate/${w2Ids(i).env}`, args: [0] });
  }
  const parsed = parseScore(entries, validated.patch, sampleRate);
  if (!parsed.ok) throw new Error(`W2 score invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const score = parsed.commands.filter((c) => c.frame < frames);

  // Reference gates from the engine's score: one edge per distinct frame, checked to be the
  // same for every voice (the reference switches all voices together).
  const edgeFrames: number[] = [];
  const edgeOn: number[] = [];
  let perFrame = 0;
  for (const c of score) {
    if (c.command.kind !== 'gate') throw new Error('W2 score: unexpected command');
    const on = c.command.on ? 1 : 0;
    if (edgeFrames.length === 0 || edgeFrames[edgeFrames.length - 1] !== c.frame) {
      if (edgeFrames.length > 0 && perFrame !== voiceCount) throw new Error('W2 score: a gate edge does not cover every voice');
      edgeFrames.push(c.frame);
      edgeOn.push(on);
      perFrame = 0;
    } else if (edgeOn[edgeOn.length - 1] !== on) {
      throw new Error('W2 score: mixed gate edges at one frame');
    }
    perFrame++;
  }
  if (edgeFrames.length > 0 && perFrame !== voiceCount) throw new Error('W2 score: a gate edge does not cover every voice');
  const gates: W2Gates = { frames: Float64Array.from(edgeFrames), on: Uint8Array.from(edgeOn) };
  return { voices, frames, document, patch: validated.patch, score, gates };
}

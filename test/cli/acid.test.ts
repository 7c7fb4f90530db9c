// examples/acid: the `acid` voice played by a sequencer line with accents (`X` steps, through
// /seq/accent) and note names, over a four-on-the-floor kick from a second sequencer, all from
// the score (examples/acid.score.json). Rendered as a user renders it (`chronus render`, a real
// process, a real WAV): no NaN, peak below full scale, sound from frame 0. Then each voice alone
// (the same patch and score, the other voice at level 0, through the offline renderer): every
// bass note starts on its step's frame (exact zeros before it: the voice is idle between its
// half-step notes) and nowhere else, accented notes are louder, and every kick hit is an onset
// on its frame.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { readWav } from '../../src/io/wav-reader.js';
import type { PatchDocument } from '../../src/patch/document.js';
import { validatePatch } from '../../src/patch/validate.js';
import { peakAbs, rms, toDb } from '../helpers/analysis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const RATE = 48000;
const SECONDS = 4;

/** Kick onsets: the energy of the second difference jumps by at least this much (as test/cli/drum-kit.test.ts). */
const ONSET_JUMP_DB = 25;
/** Windows of the onset detector (1 ms). */
const W = 48;
/** Accented bass notes peak at least this much above the unaccented ones (the voice adds 6 dB). */
const ACCENT_MIN_DB = 3;

interface ScoreEntry {
  at: number;
  address: string;
  args: Array<string | number>;
}

const score = JSON.parse(readFileSync(join(root, 'examples/acid.score.json'), 'utf8')) as ScoreEntry[];
const document = JSON.parse(readFileSync(join(root, 'examples/acid.json'), 'utf8')) as PatchDocument;

/** The score's tempo and a sequencer's pattern (its steps are sixteenths from frame 0). */
function stepFrames(seq: string): { frames: number[]; accented: boolean[] } {
  const bpm = Number(score.find((e) => e.address === '/seq/bpm')!.args[0]);
  const pattern = String(score.find((e) => e.address === '/seq/pattern' && e.args[0] === seq)!.args[1]).replace(/[ |]/g, '');
  const step = (60 / bpm / 4) * RATE;
  assert.ok(Number.isInteger(step), 'steps on whole frames');
  const frames: number[] = [];
  const accented: boolean[] = [];
  for (let k = 0; k * step < SECONDS * RATE - step; k++) {
    const c = pattern[k % pattern.length]!;
    if (c === 'x' || c === 'X') {
      frames.push(k * step);
      accented.push(c === 'X');
    }
  }
  return { frames, accented };
}

/** The example rendered offline with one voice silenced (its level param set to 0). */
function stem(mute: string, param: string): Float32Array {
  const modules = document.modules.map((m) => (m.id === mute ? { ...m, params: { ...m.params, [param]: 0 } } : m));
  const patch = validatePatch({ ...document, modules }, createRegistry());
  assert.ok(patch.ok, JSON.stringify(patch));
  const parsed = parseScore(score, patch.document, RATE);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return renderToArrays({ patch: patch.document, score: parsed.commands, frames: SECONDS * RATE, sampleRate: RATE, blockSize: 128, seed: 1 }).left;
}

test('examples/acid renders with the CLI: finite, below full scale, sounding from frame 0', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'chronus-acid-')), 'acid.wav');
  const r = spawnSync(process.execPath, [cli, 'render', 'examples/acid.json', '--score', 'examples/acid.score.json', '--seconds', String(SECONDS), '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const wav = readWav(out);
  assert.equal(wav.sampleRate, RATE);
  for (const channel of wav.data) {
    assert.ok(channel.every(Number.isFinite), 'a sample is NaN or infinite');
    assert.ok(peakAbs(channel) < 1, `peak ${peakAbs(channel)}`);
    assert.ok(rms(channel) > 1e-2, 'silent');
    assert.notEqual(channel[0], 0, 'the first step sounds on frame 0');
  }
});

test('examples/acid: every bass note starts on its step frame and nowhere else; accented notes are louder', () => {
  const bass = stem('kick', 'level');
  const { frames, accented } = stepFrames('line');
  assert.ok(frames.length >= 20 && accented.some((a) => a) && accented.some((a) => !a));
  // Note starts: a non-zero sample after an exact zero (or at frame 0).
  const starts: number[] = [];
  for (let i = 0; i < bass.length; i++) if (bass[i] !== 0 && (i === 0 || bass[i - 1] === 0)) starts.push(i);
  assert.deepEqual(starts, frames, 'note onsets');
  const peaks = frames.map((f, k) => peakAbs(bass, f, k + 1 < frames.length ? frames[k + 1]! : f + 5760));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const accentDb = toDb(mean(peaks.filter((_, k) => accented[k])) / mean(peaks.filter((_, k) => !accented[k])));
  assert.ok(accentDb >= ACCENT_MIN_DB, `accented notes ${accentDb.toFixed(2)} dB above the others`);
});

test('examples/acid: every kick hit is an onset on its step frame', () => {
  const x = stem('bass', 'gain');
  const { frames } = stepFrames('four');
  assert.ok(frames.length >= 6);
  assert.equal(x.findIndex((v) => v !== 0), 0, 'the first hit on frame 0');
  const d2 = new Float64Array(x.length);
  for (let i = 2; i < x.length; i++) d2[i] = x[i]! - 2 * x[i - 1]! + x[i - 2]!;
  const energy = (a: number, b: number): number => {
    let s = 1e-30;
    for (let i = Math.max(0, a); i < b; i++) s += d2[i]! ** 2;
    return s;
  };
  for (const f of frames.filter((frame) => frame > 0)) {
    const jump = 10 * Math.log10(energy(f, f + W) / energy(f - W, f));
    assert.ok(jump >= ONSET_JUMP_DB, `kick onset at ${f}: ${jump.toFixed(1)} dB`);
    // One sample late would leave the frame's own sample on the old tail.
    assert.ok(Math.abs(x[f]!) > 100 * Math.abs(x[f - 1]!), `kick at ${f}: ${x[f - 1]} then ${x[f]}`);
  }
});

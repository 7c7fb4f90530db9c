// examples/drum-kit: kick, snare, closed and open hats (one choke group) and clap, rendered as a
// user renders them (`chronus render`, a real process, a real WAV) and checked by analysis: no
// NaN, peak below full scale, every hit's onset on its score frame, and the closed hat choking
// the open one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav } from '../../src/io/wav-reader.js';
import { peakAbs, rms } from '../helpers/analysis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

/** An onset: the energy of the signal's second difference jumps by at least this much. */
const ONSET_JUMP_DB = 25;
/**
 * The onset's own sample stands this far above the mean energy of the millisecond before it
 * (a hit one sample late leaves background there: at most 6 dB in this render; on time the
 * smallest is 27 dB). A share of the following millisecond's energy was used before; with real
 * velocities the kick, snare and hat sum at 0.5 s to a quiet first sample and a loud second.
 */
const ONSET_SAMPLE_DB = 20;
/** Windows of the onset detector (1 ms at 48 kHz). */
const W = 48;
/** The open hat's tail 5-10 ms after the closed hit, relative to the tail before it. */
const CHOKED_DB = -40;

test('examples/drum-kit renders: finite, below full scale, every onset on its frame, the closed hat chokes the open one', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'chronus-kit-')), 'kit.wav');
  const r = spawnSync(process.execPath, [cli, 'render', 'examples/drum-kit.json', '--score', 'examples/drum-kit.score.json', '--seconds', '2.5', '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const wav = readWav(out);
  const x = wav.data[0]!;
  const rate = wav.sampleRate;
  for (const channel of wav.data) {
    assert.ok(channel.every(Number.isFinite), 'a sample is NaN or infinite');
    assert.ok(peakAbs(channel) < 1, `peak ${peakAbs(channel)}`);
    assert.ok(rms(channel) > 1e-3, 'silent');
  }
  // Onsets, on the second difference (a high-pass that leaves the kick's low tail out): the
  // energy of the millisecond from the frame on is at least 25 dB above that of the millisecond
  // before it (a hit one sample early would put its loud first samples in the latter), and the
  // frame's own sample stands out of what came before (a hit one sample late would leave it quiet).
  const d2 = new Float64Array(x.length);
  for (let i = 2; i < x.length; i++) d2[i] = x[i]! - 2 * x[i - 1]! + x[i - 2]!;
  const energy = (a: number, b: number): number => {
    let s = 1e-30;
    for (let i = Math.max(0, a); i < b; i++) s += d2[i]! ** 2;
    return s;
  };
  const jump = (f: number): number => 10 * Math.log10(energy(f, f + W) / energy(f - W, f));
  const score = JSON.parse(readFileSync(join(root, 'examples/drum-kit.score.json'), 'utf8')) as { at: number }[];
  const frames = [...new Set(score.map((e) => Math.round(e.at * rate)))];
  assert.equal(x.findIndex((v) => v !== 0), frames[0], 'silence before the first hit');
  for (const f of frames.filter((frame) => frame > 0)) {
    assert.ok(jump(f) >= ONSET_JUMP_DB, `onset at ${f}: ${jump(f).toFixed(1)} dB`);
    const own = 10 * Math.log10(d2[f]! ** 2 / (energy(f - W, f) / W));
    assert.ok(own >= ONSET_SAMPLE_DB, `onset at ${f}: its first sample is ${own.toFixed(1)} dB over the millisecond before`);
  }
  // The open hat (0.75 s) is choked by the closed hat at 1.0 s: its tail is gone 70 ms later
  // (unchoked it would be about 25 dB down; the closed hat's own tail is at −60 dB by then).
  const before = energy(Math.round(0.82 * rate), Math.round(0.85 * rate));
  const after = energy(Math.round(1.07 * rate), Math.round(1.1 * rate));
  assert.ok(10 * Math.log10(after / before) <= CHOKED_DB, `open hat tail after the closed hit: ${(10 * Math.log10(after / before)).toFixed(1)} dB`);
});

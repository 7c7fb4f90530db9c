// The examples render in CI as a user renders them (`chronus render`, a real process, a real WAV)
// and are checked by analysis: no NaN, peak below full scale, and what each example is for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav, type WavData } from '../../src/io/wav-reader.js';
import { peakAbs, rms, toDb } from '../helpers/analysis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'chronus-examples-'));

function render(name: string, seconds: number): WavData {
  const out = join(dir, `${name}.wav`);
  const args = [cli, 'render', `examples/${name}.json`, '--score', `examples/${name}.score.json`, '--seconds', String(seconds), '--out', out];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return readWav(out);
}

/** Sound checks every example passes: finite samples, peak below full scale, not silent. */
function assertSane(wav: WavData): void {
  for (const channel of wav.data) {
    assert.ok(channel.every(Number.isFinite), 'a sample is NaN or infinite');
    assert.ok(peakAbs(channel) < 1, `peak ${peakAbs(channel)} reaches full scale`);
    assert.ok(rms(channel) > 1e-3, 'silent');
  }
}

const span = (wav: WavData, channel: number, from: number, to: number): number => rms(wav.data[channel]!, Math.round(from * wav.sampleRate), Math.round(to * wav.sampleRate));

test('examples/sends: a reverb send on the snare and a delay send on the lead; both returns sound and the tail decays', () => {
  const wav = render('sends', 7);
  assertSane(wav);
  // The lead's last note ends at 3.18 s and the last snare at 3.55 s: after 3.7 s only the
  // returns sound (echoes of the lead, the snare's reverb), and they fade.
  const tail = span(wav, 0, 3.8, 4.3);
  assert.ok(tail > 1e-3, `the returns are audible after the dry sounds stop (rms ${tail})`);
  const late = span(wav, 0, 6.5, 7);
  assert.ok(toDb(late / tail) < -30, `the tail decays: ${toDb(late / tail).toFixed(1)} dB between 4 s and 7 s`);
  // Ping-pong echoes and a stereo reverb: the sides differ.
  let difference = 0;
  const left = wav.data[0]!;
  const right = wav.data[1]!;
  for (let i = Math.round(3.8 * wav.sampleRate); i < Math.round(4.3 * wav.sampleRate); i++) difference += (left[i]! - right[i]!) ** 2;
  assert.ok(difference > 0, 'the returns are stereo');
});

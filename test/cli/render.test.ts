// `chronus render` as a user runs it: a real process, real files, the WAV analysed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav } from '../../src/io/wav-reader.js';
import { goertzelAmplitude, peakFrequency, rms } from '../helpers/analysis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'chronus-render-'));

function chronus(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tonePatch = {
  format: 'chronus-patch',
  version: 1,
  modules: [{ id: 'osc1', type: 'osc', params: { waveform: 'sine', freq: 440, gain: 0.5 } }],
  connections: [{ from: 'osc1', to: 'out' }],
};

test('renders a sine patch to a float WAV of the requested length and pitch', () => {
  const patch = join(dir, 'tone.json');
  writeFileSync(patch, JSON.stringify(tonePatch));
  const out = join(dir, 'tone.wav');
  const r = chronus('render', patch, '--seconds', '1.5', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /rendered 1\.5 s \(72000 frames, 48000 Hz, stereo f32/);
  const wav = readWav(out);
  assert.equal(wav.sampleRate, 48000);
  assert.equal(wav.channels, 2);
  assert.equal(wav.format, 'float');
  assert.equal(wav.data[0]!.length, 72000);
  const { freq } = peakFrequency(wav.data[0]!, 48000, { size: 65536 });
  assert.ok(Math.abs(freq - 440) < 0.2, `peak at ${freq} Hz`);
  // gain 0.5 × out level 0.8 × centre pan: both channels equal.
  assert.ok(rms(wav.data[0]!) > 0.1);
  assert.deepEqual(wav.data[0], wav.data[1]);
});

test('a score is applied at exact samples and the output does not depend on --block', () => {
  const args = (block: string, out: string): string[] => [
    'render', join(root, 'examples/acid-sweep.json'), '--score', join(root, 'examples/acid-sweep.score.json'),
    '--seconds', '2', '--out', out, '--block', block, '--format', 's16',
  ];
  const a = join(dir, 'a.wav');
  const b = join(dir, 'b.wav');
  assert.equal(chronus(...args('64', a)).status, 0);
  assert.equal(chronus(...args('256', b)).status, 0);
  assert.deepEqual(readFileSync(a), readFileSync(b));
  const wav = readWav(a);
  assert.equal(wav.bitsPerSample, 16);
  // The envelope is gated at 0 s and released at 0.25 s (release 200 ms): silent from 0.45 s to the next note at 0.5 s.
  const left = wav.data[0]!;
  assert.ok(rms(left, 4800, 9600) > 0.02, 'sound while the gate is on');
  assert.ok(rms(left, Math.round(0.451 * 48000), 24000) === 0, 'silence after the release');
  assert.ok(rms(left, 24000, 24100) > 0, 'the next note starts at 0.5 s');
  // Second note at 0.5 s plays 146.83 Hz.
  const second = goertzelAmplitude(left, 146.83, 48000, 24000 + 2400, 24000 + 2400 + 9600);
  const first = goertzelAmplitude(left, 146.83, 48000, 2400, 2400 + 9600);
  assert.ok(second > 4 * first, `146.83 Hz present in the second note only (${second} vs ${first})`);
});

test('an invalid patch is refused with every error, its code and path, and exit status 2', () => {
  const bad = {
    format: 'chronus-patch',
    version: 1,
    modules: [
      { id: 'Osc1', type: 'osc' },
      { id: 'f', type: 'no_such_type' },
      { id: 'o', type: 'osc', params: { freq: 99999, colour: 1 } },
    ],
    connections: [{ from: 'o', to: 'nowhere' }],
  };
  const patch = join(dir, 'bad.json');
  writeFileSync(patch, JSON.stringify(bad));
  const r = chronus('render', patch, '--seconds', '1', '--out', join(dir, 'bad.wav'));
  assert.equal(r.status, 2);
  for (const code of ['E_BAD_ID', 'E_UNKNOWN_TYPE', 'E_PARAM_RANGE', 'E_UNKNOWN_PARAM', 'E_UNKNOWN_MODULE']) {
    assert.match(r.stderr, new RegExp(code), `stderr names ${code}`);
  }
  assert.match(r.stderr, /modules\[2\]\.params\.freq/);
});

test('an invalid score is refused before rendering', () => {
  const patch = join(dir, 'tone2.json');
  writeFileSync(patch, JSON.stringify(tonePatch));
  const score = join(dir, 'score.json');
  writeFileSync(score, JSON.stringify([
    { at: -1, address: '/mod/osc1/freq', args: [100] },
    { at: 0.5, address: '/gate/osc1', args: [1] },
    { at: 0.5, address: '/mod/nope/freq', args: [1] },
  ]));
  const r = chronus('render', patch, '--score', score, '--seconds', '1', '--out', join(dir, 'x.wav'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\[0\]\.at/);
  assert.match(r.stderr, /E_NO_GATE/);
  assert.match(r.stderr, /E_UNKNOWN_MODULE/);
});

test('bad options are refused with a clear message', () => {
  const patch = join(dir, 'tone3.json');
  writeFileSync(patch, JSON.stringify(tonePatch));
  const r = chronus('render', patch, '--seconds', '1', '--out', join(dir, 'y.wav'), '--format', 'mp3');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format must be s16 or f32/);
  const missing = chronus('render', join(dir, 'missing.json'), '--seconds', '1', '--out', join(dir, 'z.wav'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read patch/);
});

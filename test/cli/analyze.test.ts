// `chronus analyze` and `chronus plot` as a user runs them: a real process on a rendered WAV.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { PLOT_HEIGHT, PLOT_WIDTH } from '../../src/analysis/plot.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

test('chronus analyze: text by default, JSON with --json, exit 1 when a check fails; chronus plot writes the PNG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronus-analyze-'));
  const wav = join(dir, 'kit.wav');
  const render = run(['render', 'examples/drum-kit.json', '--score', 'examples/drum-kit.score.json', '--seconds', '2.5', '--out', wav, '-q']);
  assert.equal(render.status, 0, render.stderr);

  const text = run(['analyze', wav, '--check', 'no_clip', '--check', 'onsets >= 8']);
  assert.equal(text.status, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /^2\.50 s stereo; .* LUFS/);
  assert.match(text.stdout, /\n {2}pass no_clip: expected no_clip, measured 0\n/);

  const json = run(['analyze', wav, '--json', '--bpm', '120', '--check', 'lufs in [-1, 0]']);
  assert.equal(json.status, 1, json.stderr);
  const report = JSON.parse(json.stdout) as { schema: string; checks: Array<{ pass: boolean }>; rhythm: { grid?: { tempoMatch?: string } } };
  assert.equal(report.schema, 'chronus-analysis/1');
  assert.equal(report.checks[0]!.pass, false);
  assert.ok(report.rhythm.grid !== undefined);

  const png = join(dir, 'kit.png');
  const plot = run(['plot', wav, '--out', png]);
  assert.equal(plot.status, 0, plot.stderr);
  const image = PNG.sync.read(readFileSync(png));
  assert.equal(image.width, PLOT_WIDTH);
  assert.equal(image.height, PLOT_HEIGHT);
  // The waveform lane of the left channel has colour somewhere (not just background).
  let lit = 0;
  for (let i = 0; i < image.data.length; i += 4) if (image.data[i + 2]! > 200) lit++;
  assert.ok(lit > 1000, `${lit} bright pixels`);

  const missing = run(['analyze', join(dir, 'nope.wav')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read/);
});

// One command path, live and offline: a live session that edits and commits patches (with and
// without a crossfade), gates, sets params of a module a commit created and runs a sequencer
// is recorded; a score of the same commands at the frames the server reported, patch edits and
// commits included, renders offline to the same samples (the pattern of sequencer-live.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OscClient } from '../../src/control/osc-client.js';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { readWav } from '../../src/io/wav-reader.js';
import { validatePatch } from '../../src/patch/validate.js';
import { goertzelAmplitude, rms } from '../helpers/analysis.js';
import { engineStatus, startServer } from '../helpers/server-process.js';

const RATE = 48000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ScoreEntry {
  at: number;
  address: string;
  args: Array<number | string>;
}

test('a score with patch edits and commits renders what the live server played, sample for sample', { timeout: 60000 }, async () => {
  const server = await startServer(['--seed', '5']);
  try {
    const client: OscClient = server.client;
    const initial = JSON.parse(String((await client.request('/patch/get')).args[1]));
    const score: ScoreEntry[] = [];
    /** Edits go into the score at the time of the commit that follows them (their order kept). */
    let edits: Array<{ address: string; args: Array<number | string> }> = [];
    const edit = async (address: string, args: Array<number | string>): Promise<void> => {
      const reply = await client.request(address, args);
      assert.equal(reply.address, '/done', `${address}: ${JSON.stringify(reply.args)}`);
      edits.push({ address, args });
    };
    const timed = async (address: string, args: Array<number | string> = []): Promise<number> => {
      const reply = await client.request(address, args);
      assert.equal(reply.address, '/done', `${address}: ${JSON.stringify(reply.args)}`);
      const frame = reply.args[1] as number;
      for (const e of edits) score.push({ at: frame / RATE, ...e });
      edits = [];
      score.push({ at: frame / RATE, address, args });
      return frame;
    };
    assert.equal((await client.request('/notify', [1])).address, '/done');
    await sleep(300);
    assert.equal((await client.request('/record/start', ['score-live', 'f32'])).address, '/done');
    await sleep(100);
    await timed('/gate/adsr1', [1]);
    await timed('/mod/sine1/freq', [330]);
    await sleep(80);
    // A commit that adds a voice and a modulation (topology changed: 20 ms crossfade).
    await edit('/patch/create', ['tone2', 'osc']);
    await edit('/patch/set', ['tone2', 'freq', 660]);
    await edit('/patch/set', ['tone2', 'gain', 0.2]);
    await edit('/patch/connect', ['tone2', 'out']);
    await edit('/patch/create', ['lfo2', 'lfo']);
    await edit('/patch/set', ['lfo2', 'rate', 3]);
    await edit('/patch/connect', ['lfo2', 'filter1.cutoff', 600]);
    const first = await timed('/patch/commit');
    await sleep(60);
    // A param of the module the commit created, a sequencer gating the old envelope.
    await timed('/mod/tone2/freq', [770]);
    await timed('/seq/bpm', [150]);
    await timed('/seq/create', ['s']);
    await timed('/seq/pattern', ['s', 'x.x.x...']);
    await timed('/seq/assign', ['s', 'gate', 'adsr1']);
    await timed('/seq/start', ['s']);
    await sleep(400);
    // A params-only commit, then one that removes the voice with a 50 ms crossfade.
    await edit('/patch/set', ['filter1', 'q', 4]);
    await timed('/patch/commit');
    await sleep(150);
    await edit('/patch/delete', ['tone2']);
    const last = await timed('/patch/commit', [50]);
    await sleep(200);
    await timed('/seq/stop', []);
    await sleep(100);
    const rec = await client.request('/record/stop');
    assert.equal(rec.address, '/done');
    const [, path, , firstFrame] = rec.args as [string, string, number, number];
    const recorded = readWav(path).data[0]!;
    const status = await engineStatus(client);
    assert.equal(status['divergences'], 0);

    const patch = validatePatch(initial, createRegistry());
    assert.ok(patch.ok);
    const parsed = parseScore(score, patch.document, RATE);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(parsed.commands.filter((c) => c.command.kind === 'patch').length, 3, 'three commits in the score');
    const offline = renderToArrays({ patch: patch.document, score: parsed.commands, frames: firstFrame + recorded.length, sampleRate: RATE, blockSize: 128, seed: 5 });
    let mismatched = 0;
    let silentBlocks = 0;
    for (let b = 0; b * 128 < recorded.length; b++) {
      let equal = true;
      let silent = true;
      for (let i = b * 128; i < Math.min(recorded.length, (b + 1) * 128); i++) {
        if (offline.left[firstFrame + i] !== recorded[i]) equal = false;
        if (recorded[i] !== 0) silent = false;
      }
      if (!equal) {
        if (silent) silentBlocks++;
        else mismatched++;
      }
    }
    assert.equal(mismatched, 0, `${mismatched} recorded blocks differ from the offline render`);
    assert.ok(silentBlocks <= status['underruns'], `${silentBlocks} silent blocks, ${status['underruns']} underruns`);
    // Not vacuous: the recording sounds, and the voice the first commit added is heard between
    // the commits and gone after the last (in the offline render: bit-equal to the recording
    // where the sink had its blocks).
    assert.ok(rms(recorded) > 0.01, `the recording is not silent: ${JSON.stringify({ underruns: status['underruns'], lateCycles: status['lateCycles'], reanchors: status['reanchors'], failovers: status['failovers'], slotHealth: status['slotHealth'], recording: status['recording'], firstFrame, frames: recorded.length, consumed: status['consumedBlocks'] })}`);
    const between = goertzelAmplitude(offline.left, 770, RATE, first + 4800, first + 14400);
    const after = goertzelAmplitude(offline.left, 770, RATE, last + 4800, last + 9600);
    assert.ok(between > 0.02 && after < between / 100, `770 Hz voice: ${between} between the commits, ${after} after the last`);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

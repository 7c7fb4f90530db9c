// Sequencer and timetags in a live server: a real `chronus serve`, real UDP, the recording
// analysed. The recording equals an offline render of the same commands at the frames the
// server reported, steps land on the grid computed from the start frame, a bundle timetagged
// 50 ms ahead lands on its exact sample, and late bundles are reported (or dropped on request).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OscClient } from '../../src/control/osc-client.js';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { readWav } from '../../src/io/wav-reader.js';
import { toS16 } from '../../src/io/wav-writer.js';
import { validatePatch } from '../../src/patch/validate.js';
import { onsets } from '../helpers/sequencer.js';
import { engineStatus, startServer } from '../helpers/server-process.js';

const RATE = 48000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function ok(client: OscClient, address: string, args: Array<number | string> = []): Promise<number> {
  const reply = await client.request(address, args);
  assert.equal(reply.address, '/done', `${address}: ${JSON.stringify(reply.args)}`);
  return reply.args[1] as number;
}

test('live sequencer and timetags: recording = offline render, steps on the grid, a bundle 50 ms ahead on its exact sample, late bundles reported or dropped', { timeout: 60000 }, async () => {
  const server = await startServer(['--seed', '3']);
  try {
    const client = server.client;
    const score: Array<{ at: number; address: string; args: Array<number | string> }> = [];
    const send = async (address: string, args: Array<number | string> = []): Promise<number> => {
      const frame = await ok(client, address, args);
      score.push({ at: frame / RATE, address, args });
      return frame;
    };
    // A percussive envelope straight into the output: its onsets are sharp.
    await ok(client, '/patch/create', ['hit', 'adsr']);
    for (const [p, v] of [['attack', 0.1], ['decay', 5], ['sustain', 0], ['release', 0.1]] as const) await ok(client, '/patch/set', ['hit', p, v]);
    await ok(client, '/patch/connect', ['hit', 'out']);
    // A velocity-sensitive voice and an acid (legato: slides) for the richer steps.
    await ok(client, '/patch/create', ['pl', 'pluck']);
    await ok(client, '/patch/set', ['pl', 'decay', 0.05]); // silent well before the timetagged hit below
    await ok(client, '/patch/connect', ['pl', 'out']);
    await ok(client, '/patch/create', ['ac', 'acid']);
    await ok(client, '/patch/connect', ['ac', 'out']);
    await client.request('/patch/commit');
    const live = JSON.parse(String((await client.request('/patch/get')).args[1]));
    assert.equal((await client.request('/record/start', ['seq'])).address, '/done');
    await sleep(100);

    await send('/seq/bpm', [150]);
    await send('/seq/create', ['k']);
    await send('/seq/pattern', ['k', 'x...x...x...x...']);
    await send('/seq/assign', ['k', 'gate', 'hit']);
    await send('/seq/create', ['bass']);
    await send('/seq/config', ['bass', 8, 8]);
    await send('/seq/pattern', ['bass', 'x.xX x.x.']);
    await send('/seq/assign', ['bass', 'gate', 'adsr1']);
    await send('/seq/assign', ['bass', 'param', 'pitch', 'sine1', 'freq']);
    await send('/seq/lane', ['bass', 'pitch', 'C3 - G3 C4', 'm48', 'Bb2', '-', 'F3']);
    await send('/seq/accent', ['bass', 'sine1', 'gain', 0.2]);
    // Probability, velocity, ties and bar conditions on a pluck; slides and accents on an acid
    // with a glided pitch lane; a ramp on the acid's cutoff: the recording must equal the
    // offline render of the same commands (the draws are made in the engine, from the seed).
    await send('/seq/create', ['pr']);
    await send('/seq/pattern', ['pr', 'xxx_ xXx. xx_x x.xx']);
    await send('/seq/assign', ['pr', 'gate', 'pl']);
    await send('/seq/lane', ['pr', 'prob', '0.5 0.7 0.3 - 0.5 1 0.5 1 0.6 0.6 - 0.4 0.5 1 0.5 0.5']);
    await send('/seq/lane', ['pr', 'velocity', '1 0.3 0.6 - 0.8 1 0.2 - 0.5 0.9 - 0.4 0.7 1 0.3 0.6']);
    await send('/seq/lane', ['pr', 'cond', '- - - - 1:2 - - - 2:2']);
    await send('/seq/create', ['acid']);
    await send('/seq/pattern', ['acid', 'x.sS x_.s Xs.x s.xs']);
    await send('/seq/assign', ['acid', 'gate', 'ac']);
    await send('/seq/assign', ['acid', 'param', 'pitch', 'ac', 'freq']);
    await send('/seq/lane', ['acid', 'pitch', 'A1 - C2 E2 A2 - - G1 A1 C3 - A1 E2 - G2 A1']);
    await send('/seq/assign', ['acid', 'accent', 'ac', 'accent', 1]);
    await send('/seq/glide', ['acid', 30]);
    await ok(client, '/notify', [1]); // /mod replies with its frame only to subscribers
    await send('/mod/ac/cutoff', [2500, 1500]);
    await ok(client, '/notify', [0]);
    const getReply = await client.request('/seq/get', ['bass']);
    const described = JSON.parse(String(getReply.args[1]));
    assert.equal(described.division, 8);
    assert.equal(described.lanes.pitch.module, 'sine1');
    const started = await send('/seq/start', []);
    await sleep(1200);
    await send('/seq/swing', [0.25]);
    await sleep(600);
    const stopped = await send('/seq/stop', []);
    await sleep(150);

    // A bundle 50 ms ahead: applied at the frame of its time, heard exactly there.
    const status = await engineStatus(client);
    const t0 = (status['clock'] as { t0UnixMs: number }).t0UnixMs;
    const when = Date.now() + 50;
    await client.sendBundle(when, [['/gate/hit', [1]]]);
    const timed = await client.next((m) => m.args[0] === '/gate/hit');
    assert.equal(timed.address, '/done', JSON.stringify(timed.args));
    const timedFrame = timed.args[1] as number;
    assert.ok(Math.abs(timedFrame - Math.round(((when - t0) / 1000) * RATE)) <= 1, `frame ${timedFrame} for a timetag at clock frame ${((when - t0) / 1000) * RATE}`);
    score.push({ at: timedFrame / RATE, address: '/gate/hit', args: [1] });
    await sleep(150);
    score.push({ at: (await ok(client, '/gate/hit', [0])) / RATE, address: '/gate/hit', args: [0] });
    await sleep(100);

    // Late bundles: applied and answered /late by default; dropped on request.
    await client.sendBundle(Date.now() - 1000, [['/mod/sine1/gain', [0.25]]]);
    assert.equal((await client.next((m) => m.address === '/late')).args[1], '/mod/sine1/gain');
    assert.equal((await client.request('/client/late', ['drop'])).args[1], 'drop');
    await client.sendBundle(Date.now() - 1000, [['/gate/hit', [1]]]);
    assert.equal((await client.next((m) => m.address === '/late')).args[1], '/gate/hit');
    const dropped = await client.next((m) => m.address === '/fail');
    assert.deepEqual(dropped.args.slice(0, 2), ['/gate/hit', 'E_LATE_DROPPED']);
    await sleep(100);

    const rec = await client.request('/record/stop');
    assert.equal(rec.address, '/done');
    const [, path, , firstFrame] = rec.args as [string, string, number, number];
    const wav = readWav(path);
    const recorded = wav.data[0]!;
    const after = await engineStatus(client);
    assert.equal(after['divergences'], 0);
    const control = after['control'] as Record<string, number>;
    assert.equal(control['lateDropped'], 1);
    assert.ok(control['late']! >= 1);

    // Offline: the committed patch and the same commands at the reported frames.
    const patch = validatePatch(live, createRegistry());
    assert.ok(patch.ok);
    const parsed = parseScore(score, patch.patch, RATE);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const offline = renderToArrays({ patch: patch.patch, score: parsed.commands, frames: firstFrame + recorded.length, sampleRate: RATE, blockSize: 128, seed: 3 });
    let mismatched = 0;
    let silentBlocks = 0;
    for (let b = 0; b * 128 < recorded.length; b++) {
      let equal = true;
      let silent = true;
      for (let i = b * 128; i < Math.min(recorded.length, (b + 1) * 128); i++) {
        if (toS16(offline.left[firstFrame + i]!) / 32768 !== recorded[i]) equal = false;
        if (recorded[i] !== 0) silent = false;
      }
      if (!equal) {
        if (silent) silentBlocks++;
        else mismatched++;
      }
    }
    assert.equal(mismatched, 0, `${mismatched} recorded blocks differ from the offline render`);
    assert.ok(silentBlocks <= after['underruns'], `${silentBlocks} silent blocks, ${after['underruns']} underruns`);

    // The kick's steps on the grid (150 BPM: a quarter note is 19,200 frames) from the start
    // frame, until the stop; then the timetagged hit, on its exact sample. (Onsets from the
    // offline render: bit-equal to the recording, and free of the sine voice's 16-bit noise.)
    const kickOnly = renderToArrays({
      patch: patch.patch,
      score: parsed.commands.filter((c) => c.address !== '/gate/adsr1' && !(c.command.kind === 'control' && 'id' in c.command.op && ['bass', 'pr', 'acid'].includes(c.command.op.id))),
      frames: firstFrame + recorded.length, sampleRate: RATE, blockSize: 128, seed: 3,
    }).left;
    const expected: number[] = [];
    for (let f = started; f < stopped; f += 19200) expected.push(f);
    expected.push(timedFrame);
    // adsr1 is silent without the bass sequencer, so the kick is alone in this render.
    assert.deepEqual(onsets(kickOnly, 1e-6, 16).filter((f) => f >= started), expected);
    assert.ok(recorded.some((x, i) => i + firstFrame === timedFrame && x !== 0) && recorded[timedFrame - firstFrame - 1] === 0, 'the recording starts the hit on its sample');
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

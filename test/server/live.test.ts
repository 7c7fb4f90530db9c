// The live server, end to end: a real server process, real UDP, recordings analysed.
// - a recording equals an offline render of the same commands at the same frames (lockstep,
//   sample-exact timing, and offline/live determinism in one check);
// - 100 consecutive commits with slot switches in between all work (the old system's
//   one-commit-per-run bug as a regression test), each heard in the recording;
// - a commit that changes only params keeps phase (no reset, no crossfade);
// - the slots never diverge.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToArrays } from '../../src/control/offline-render.js';
import { parseScore } from '../../src/control/score.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { toS16 } from '../../src/io/wav-writer.js';
import { readWav } from '../../src/io/wav-reader.js';
import { validatePatch } from '../../src/patch/validate.js';
import { goertzelAmplitude, maxStep, peakFrequency, rms } from '../helpers/analysis.js';
import { engineStatus, startServer } from '../helpers/server-process.js';

const RATE = 48000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Recording {
  left: Float32Array;
  right: Float32Array;
  firstFrame: number;
  seconds: number;
}

async function stopRecording(client: import('../../src/control/osc-client.js').OscClient): Promise<Recording> {
  const reply = await client.request('/record/stop');
  assert.equal(reply.address, '/done', JSON.stringify(reply.args));
  const [, path, seconds, firstFrame] = reply.args as [string, string, number, number];
  const wav = readWav(path);
  assert.equal(wav.sampleRate, RATE);
  assert.equal(wav.data[0]!.length, Math.round(seconds * RATE), 'the file holds exactly the frames reported');
  return { left: wav.data[0]!, right: wav.data[1]!, firstFrame, seconds };
}

test('a live recording equals an offline render of the same commands at the same frames', { timeout: 60000 }, async () => {
  const server = await startServer(['--seed', '7']);
  try {
    const client = server.client;
    assert.equal((await client.request('/notify', [1])).address, '/done');
    const start = await client.request('/record/start', ['exact']);
    assert.equal(start.address, '/done');
    await sleep(100);
    const score: Array<{ at: number; address: string; args: unknown[] }> = [];
    const commands: Array<[string, Array<number | string>]> = [
      ['/gate/adsr1', [1]], ['/mod/sine1/freq', [330]], ['/mod/filter1/cutoff', [900]], ['/gate/adsr1', ['off']],
      ['/mod/sine1/freq', [523.25]], ['/gate/adsr1', [1]], ['/mod/adsr1/sustain', [0.4]], ['/mod/filter1/q', [3]],
      ['/gate/adsr1', [0]], ['/gate/adsr1', [1]],
    ];
    for (const [address, args] of commands) {
      const reply = await client.request(address, args);
      assert.equal(reply.address, '/done', `${address}: ${JSON.stringify(reply.args)}`);
      const frame = reply.args[1] as number;
      score.push({ at: frame / RATE, address, args });
      await sleep(60 + Math.round(Math.random() * 40));
    }
    await sleep(300);
    const rec = await stopRecording(client);
    const status = await engineStatus(client);
    assert.equal(status['divergences'], 0, 'slots diverged');
    assert.ok(rec.firstFrame >= 0);

    // Offline: the server's default patch, the same commands at the same frames.
    const registry = createRegistry();
    const live = JSON.parse(String((await client.request('/patch/get')).args[1]));
    const patch = validatePatch({ ...live, modules: live.modules.map((m: { id: string; type: string; params?: object }) => ({ ...m, params: defaultParams(m.id) ?? m.params })) }, registry);
    assert.ok(patch.ok);
    const parsed = parseScore(score, patch.patch, RATE);
    assert.ok(parsed.ok);
    const frames = rec.firstFrame + rec.left.length;
    const offline = renderToArrays({ patch: patch.patch, score: parsed.commands, frames, sampleRate: RATE, blockSize: 128, seed: 7 });
    // Every block is either exactly the offline render or, where the sink had no block in time
    // (an underrun: a machine-wide stall), silence; the silent blocks must match the count.
    let mismatched = 0;
    let silentBlocks = 0;
    for (let b = 0; b * 128 < rec.left.length; b++) {
      let equal = true;
      let silent = true;
      for (let i = b * 128; i < Math.min(rec.left.length, (b + 1) * 128); i++) {
        const expected = toS16(offline.left[rec.firstFrame + i]!) / 32768;
        if (expected !== rec.left[i]) equal = false;
        if (rec.left[i] !== 0) silent = false;
      }
      if (!equal) {
        if (silent) silentBlocks++;
        else mismatched++;
      }
    }
    assert.equal(mismatched, 0, `${mismatched} recorded blocks differ from the offline render`);
    assert.ok(silentBlocks <= status['underruns'], `${silentBlocks} silent blocks but only ${status['underruns']} underruns`);
    assert.ok(rms(rec.left) > 0.01, 'the recording is not silent');
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

/** Params of the server's default patch (what /patch/get returns after the /mod changes is the *current* state; the offline render starts from the initial one). */
function defaultParams(id: string): Record<string, number | string> | undefined {
  const defaults: Record<string, Record<string, number | string>> = {
    sine1: { waveform: 'sine', freq: 440, gain: 0.25 },
    adsr1: { attack: 10, decay: 100, sustain: 0.7, release: 100 },
    filter1: { mode: 'lp', cutoff: 2000, q: 1 },
  };
  return defaults[id];
}

test('100 consecutive commits work whichever slot is active, and each is heard', { timeout: 120000 }, async () => {
  const server = await startServer();
  try {
    const client = server.client;
    await client.request('/record/start', ['commits']);
    const freqs = [330, 1100, 550, 1650, 440, 1320];
    const commitFrames: number[] = [];
    for (let k = 0; k < 100; k++) {
      const f = freqs[k % freqs.length]!;
      // Different patches: the oscillator's waveform and a filter come and go.
      assert.equal((await client.request('/patch/clear')).address, '/done');
      await client.request('/patch/create', ['tone', 'osc']);
      await client.request('/patch/set', ['tone', 'freq', f]);
      await client.request('/patch/set', ['tone', 'gain', 0.5]);
      if (k % 2 === 0) {
        await client.request('/patch/create', ['lp', 'filter']);
        await client.request('/patch/set', ['lp', 'cutoff', 5000]);
        await client.request('/patch/connect', ['tone', 'lp']);
        await client.request('/patch/connect', ['lp', 'out']);
      } else {
        await client.request('/patch/connect', ['tone', 'out']);
      }
      const reply = await client.request('/patch/commit');
      assert.equal(reply.address, '/done', `commit ${k}: ${JSON.stringify(reply.args)}`);
      commitFrames.push(reply.args[1] as number);
      const switched = await client.request('/engine/switch');
      assert.equal(switched.address, '/done');
      await sleep(100);
    }
    const rec = await stopRecording(client);
    const status = await engineStatus(client);
    assert.equal(status['commits'], 100);
    assert.equal(status['divergences'], 0);
    let heard = 0;
    for (let k = 0; k < 99; k++) {
      const from = commitFrames[k]! - rec.firstFrame + Math.round(0.03 * RATE);
      const to = commitFrames[k + 1]! - rec.firstFrame;
      if (to - from < 1024) continue;
      const f = freqs[k % freqs.length]!;
      const previous = freqs[(k + freqs.length - 1) % freqs.length]!;
      const now = goertzelAmplitude(rec.left, f, RATE, from, to);
      const before = goertzelAmplitude(rec.left, previous, RATE, from, to);
      assert.ok(now > 10 * before, `commit ${k}: ${f} Hz (${now}) should dominate ${previous} Hz (${before})`);
      heard++;
    }
    assert.ok(heard >= 90, `enough commits far enough apart to analyse: ${heard}`);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('a commit that changes only params keeps the phase: no reset, no crossfade', { timeout: 60000 }, async () => {
  const server = await startServer();
  try {
    const client = server.client;
    for (const [address, args] of [
      ['/patch/clear', []], ['/patch/create', ['tone', 'osc']], ['/patch/set', ['tone', 'freq', 440]],
      ['/patch/set', ['tone', 'gain', 0.5]], ['/patch/connect', ['tone', 'out']], ['/patch/commit', []],
    ] as Array<[string, Array<string | number>]>) {
      assert.equal((await client.request(address, args)).address, '/done');
    }
    await sleep(200);
    await client.request('/record/start', ['continuity']);
    await sleep(200);
    await client.request('/patch/set', ['tone', 'freq', 445]);
    const commit = await client.request('/patch/commit');
    assert.equal(commit.address, '/done');
    await sleep(300);
    const rec = await stopRecording(client);
    const at = (commit.args[1] as number) - rec.firstFrame;
    assert.ok(at > 4800 && at < rec.left.length - 4800, 'the commit falls inside the recording');
    // A sine of amplitude A at f moves at most 2·A·sin(πf/fs) per sample (plus 16-bit rounding).
    const amplitude = Math.max(...rec.left.subarray(at - 4800, at + 4800).map(Math.abs));
    const bound = 2 * amplitude * Math.sin((Math.PI * 445) / RATE) * 1.05 + 2 / 32768;
    assert.ok(maxStep(rec.left, at - 4800, at + 4800) <= bound, 'no discontinuity around the commit');
    assert.ok(rms(rec.left, at - 4800, at) > 0.9 * rms(rec.left, at, at + 4800) && rms(rec.left, at, at + 4800) > 0.9 * rms(rec.left, at - 4800, at), 'no level dip (no crossfade)');
    const after = peakFrequency(rec.left, RATE, { start: at + 2400, size: 16384 });
    assert.ok(Math.abs(after.freq - 445) < 1, `the new frequency is playing (${after.freq})`);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

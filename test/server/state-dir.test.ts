// State that survives the process: a server killed with SIGKILL and restarted on the same
// --state-dir resumes the same patch, parameters and sequencers (checked by /patch/get,
// /seq/get and by analysing the audio it plays).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../src/io/wav-reader.js';
import { goertzelAmplitude, rms, toDb } from '../helpers/analysis.js';
import { RIG_PATCH } from '../helpers/failover-rig.js';
import { engineStatus, startServer, type RunningServer } from '../helpers/server-process.js';

async function ok(server: RunningServer, address: string, args: Array<string | number> = []): Promise<unknown[]> {
  const m = await server.client.request(address, args);
  assert.equal(m.address, '/done', `${address} ${args.join(' ')}: ${m.address} ${m.args.join(' ')}`);
  return m.args;
}

async function patchGet(server: RunningServer): Promise<unknown> {
  const m = await server.client.request('/patch/get');
  return JSON.parse(String(m.args[1]));
}

async function seqGet(server: RunningServer, id: string): Promise<Record<string, unknown>> {
  const m = await server.client.request('/seq/get', [id]);
  const parsed = JSON.parse(String(m.args[m.args.length - 1])) as Record<string, unknown>;
  return parsed;
}

test('kill -9 and restart on the same --state-dir: same patch, parameters and sequencers', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronus-state-'));
  const patchPath = join(dir, 'patch.json');
  writeFileSync(patchPath, JSON.stringify(RIG_PATCH));
  const args = ['--state-dir', join(dir, 'state'), '--snapshot-every', '0.5', '--patch', patchPath];
  const first = await startServer(args);
  let patchBefore: unknown;
  let seqBefore: Record<string, unknown>;
  try {
    // A committed change, live parameter changes after it, a held gate and a running sequencer.
    await ok(first, '/patch/set', ['o1', 'waveform', 'sine']);
    await ok(first, '/patch/set', ['o1', 'freq', 330]);
    await ok(first, '/patch/commit');
    await first.client.send('/mod/f1/cutoff', 6000);
    await first.client.send('/mod/o1/gain', 0.4);
    await first.client.send('/mod/o2/freq', 440);
    await ok(first, '/gate/e1', [1]);
    await ok(first, '/seq/bpm', [150]);
    await ok(first, '/seq/create', ['s1']);
    await ok(first, '/seq/pattern', ['s1', 'x...x...x...x...']);
    await ok(first, '/seq/assign', ['s1', 'gate', 'e2']);
    await ok(first, '/seq/start', ['s1']);
    await first.client.request('/sync', [1]);
    // Let a periodic snapshot land, then more changes that live only in the journal.
    await new Promise((r) => setTimeout(r, 1200));
    await first.client.send('/mod/lfo1/rate', 0.5);
    await ok(first, '/seq/gate_len', ['s1', 0.25]);
    await first.client.request('/sync', [2]);
    await new Promise((r) => setTimeout(r, 100));
    patchBefore = await patchGet(first);
    seqBefore = await seqGet(first, 's1');
  } finally {
    first.process.kill('SIGKILL');
    await first.stop();
  }

  const began = Date.now();
  const second = await startServer(args);
  const startMs = Date.now() - began;
  try {
    const status = await engineStatus(second.client);
    assert.ok(status['resumed'] !== null, 'the server says it resumed');
    assert.ok(status['resumed'].ms < 1000, `replay took ${status['resumed'].ms} ms`);
    assert.ok(startMs < 5000, `restart to listening took ${startMs} ms`);
    assert.deepEqual(await patchGet(second), patchBefore, '/patch/get shows the same patch and parameters');
    const seqAfter = await seqGet(second, 's1');
    assert.deepEqual(seqAfter, seqBefore, '/seq/get shows the same sequencer');
    assert.equal((seqAfter['transport'] as { bpm: number }).bpm, 150);
    // The audio: o1 (sine, 330 Hz, gate still held) through the opened filter, and the
    // sequencer still gating e2 (o2 at 440 Hz) on quarter notes.
    await ok(second, '/record/start', ['resumed', 'f32']);
    await new Promise((r) => setTimeout(r, 1500));
    const stop = await second.client.request('/record/stop');
    const wav = readWav(String(stop.args[1]));
    const left = wav.data[0]!;
    const tone = goertzelAmplitude(left, 330, 48000);
    const offTone = goertzelAmplitude(left, 297, 48000);
    assert.ok(toDb(tone / offTone) > 20, `330 Hz stands ${toDb(tone / offTone).toFixed(1)} dB above 297 Hz`);
    // Quarter notes at 150 BPM: 0.4 s apart; gate_len 0.25 of a sixteenth. Windows at the
    // 440 Hz square's fundamental show it comes and goes.
    const window = 2400;
    const levels: number[] = [];
    for (let at = 0; at + window <= left.length; at += window) levels.push(goertzelAmplitude(left, 440, 48000, at, at + window));
    const loud = Math.max(...levels);
    assert.ok(loud > 0.01, 'the sequenced voice sounds');
    assert.ok(Math.min(...levels) < loud / 4, 'and stops between steps (the sequencer runs)');
    assert.ok(rms(left) > 0.01);
  } finally {
    await second.stop();
  }
});

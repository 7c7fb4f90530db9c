// Sample buffers over real UDP: /buffer/load of generated WAV files (a 44.1 kHz file resampled
// to the engine's 48 kHz), /buffer/list, error codes (missing, truncated, unsupported, in use,
// unknown name in a patch), a sampler playing the buffer, a restart from --state-dir that
// gets the buffer back (and reports a changed file as a fault, not a crash), and a slot
// failover whose replacement rejoins in lockstep with the sampler sounding.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../src/io/wav-reader.js';
import { WavWriter } from '../../src/io/wav-writer.js';
import { goertzelAmplitude, peakFrequency, rms, toDb } from '../helpers/analysis.js';
import { bothInLockstep } from '../helpers/failover-rig.js';
import { engineStatus, startServer, type RunningServer } from '../helpers/server-process.js';

const TONE_HZ = 1000;
/** A resampled, looped 1 kHz tone plays at 1 kHz within this many Hz. */
const FREQ_TOLERANCE_HZ = 0.5;

/** A 1 s mono float WAV of a 1 kHz sine at `rate` (a whole number of cycles: it loops seamlessly). */
function writeTone(path: string, rate: number): void {
  const w = new WavWriter(path, rate, 1, 'f32', rate);
  const x = new Float32Array(rate);
  for (let i = 0; i < rate; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * TONE_HZ * i) / rate);
  w.write(x, x, rate);
  w.close();
}

async function expectDone(server: RunningServer, address: string, args: Array<string | number> = []): Promise<unknown[]> {
  const m = await server.client.request(address, args, 10_000);
  assert.equal(m.address, '/done', `${address} ${args.join(' ')}: ${m.address} ${m.args.join(' ')}`);
  return m.args;
}

async function expectFail(server: RunningServer, address: string, args: Array<string | number>, code: string): Promise<void> {
  const m = await server.client.request(address, args, 10_000);
  assert.equal(m.address, '/fail', `${address} ${args.join(' ')} should fail with ${code}: ${m.args.join(' ')}`);
  assert.equal(m.args[1], code, `${address} ${args.join(' ')}: ${m.args.join(' ')}`);
}

async function list(server: RunningServer): Promise<Array<Record<string, unknown>>> {
  const args = await expectDone(server, '/buffer/list');
  return JSON.parse(String(args[args.length - 1])) as Array<Record<string, unknown>>;
}

/** The last 32768 frames of a recording of about `ms` (the recorder's tap starts with what it still holds of the past). */
async function record(server: RunningServer, name: string, ms: number): Promise<Float32Array> {
  await expectDone(server, '/record/start', [name, 'f32']);
  await new Promise((r) => setTimeout(r, ms));
  const stop = await server.client.request('/record/stop');
  const left = readWav(String(stop.args[1])).data[0]!;
  return left.subarray(Math.max(0, left.length - 32768));
}

function assertTone(left: Float32Array, what: string): void {
  assert.ok(rms(left) > 0.1, `${what}: the sampler sounds (rms ${rms(left)})`);
  const { freq } = peakFrequency(left, 48000, { size: 32768, minHz: 200, maxHz: 5000 });
  assert.ok(Math.abs(freq - TONE_HZ) < FREQ_TOLERANCE_HZ, `${what}: plays ${freq} Hz`);
  const off = goertzelAmplitude(left, 1100, 48000);
  const clean = toDb(goertzelAmplitude(left, TONE_HZ, 48000) / off);
  assert.ok(clean > 30, `${what}: a clean tone (${clean.toFixed(1)} dB over 1.1 kHz)`);
}

/** Creates and commits a looping sampler on buffer `name` into out, and gates it. */
async function playSampler(server: RunningServer, name: string): Promise<void> {
  await expectDone(server, '/patch/create', ['s', 'sampler']);
  await expectDone(server, '/patch/set', ['s', 'buffer', name]);
  await expectDone(server, '/patch/set', ['s', 'loop', 'forward']);
  await expectDone(server, '/patch/connect', ['s', 'out']);
  await expectDone(server, '/patch/commit');
  await expectDone(server, '/gate/s', [1]);
}

test('buffers: load, list, errors, a sampler playing, and a restart from --state-dir', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronus-buffers-'));
  const samples = join(dataDir, 'samples');
  mkdirSync(samples, { recursive: true });
  writeTone(join(samples, 'tone.wav'), 44100);
  // Truncated: the data chunk declares more bytes than the file holds.
  const whole = readFileSync(join(samples, 'tone.wav'));
  writeFileSync(join(samples, 'cut.wav'), whole.subarray(0, whole.length - 1000));
  writeFileSync(join(samples, 'text.wav'), 'not audio at all');
  const args = ['--data-dir', dataDir, '--state-dir', join(dataDir, 'state'), '--snapshot-every', '0.5'];
  const first = await startServer(args);
  try {
    await expectFail(first, '/buffer/load', ['gone', 'missing.wav'], 'E_NOT_FOUND');
    await expectFail(first, '/buffer/load', ['cut', 'cut.wav'], 'E_TRUNCATED');
    await expectFail(first, '/buffer/load', ['text', 'text.wav'], 'E_UNSUPPORTED_FORMAT');
    await expectFail(first, '/buffer/load', ['x', '../etc/passwd'], 'E_BAD_NAME');
    assert.deepEqual(await list(first), [], 'failed loads change nothing');
    await expectDone(first, '/patch/create', ['s', 'sampler']);
    await expectFail(first, '/patch/set', ['s', 'buffer', 'tone'], 'E_BUFFER_UNKNOWN');
    await expectDone(first, '/patch/abort');

    const loaded = await expectDone(first, '/buffer/load', ['tone', 'tone.wav']);
    assert.equal(typeof loaded[1], 'number', 'the reply carries the frame the buffer is usable from');
    await expectFail(first, '/buffer/load', ['tone', 'tone.wav'], 'E_BUFFER_EXISTS');
    const listed = await list(first);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!['name'], 'tone');
    assert.equal(listed[0]!['frames'], 48000, '1 s at 44.1 kHz is 48000 frames at the engine rate');
    assert.equal(listed[0]!['sourceRate'], 44100);

    await playSampler(first, 'tone');
    await new Promise((r) => setTimeout(r, 1000));
    await expectFail(first, '/buffer/free', ['tone'], 'E_BUFFER_IN_USE');
    await expectFail(first, '/buffer/free', ['nope'], 'E_BUFFER_UNKNOWN');
    assertTone(await record(first, 'first', 1200), 'live');
    await new Promise((r) => setTimeout(r, 700));
  } finally {
    first.process.kill('SIGKILL');
    await first.stop();
  }

  const second = await startServer(args);
  try {
    const listed = await list(second);
    assert.equal(listed.length, 1, 'the buffer is back after the restart');
    assert.equal(listed[0]!['missing'], undefined);
    assertTone(await record(second, 'second', 1200), 'resumed');
    // Free it: a patch without the sampler first.
    await expectDone(second, '/patch/delete', ['s']);
    await expectDone(second, '/patch/commit');
    await expectDone(second, '/buffer/free', ['tone']);
    assert.deepEqual(await list(second), []);
    await expectDone(second, '/buffer/load', ['tone2', 'tone.wav']);
    await playSampler(second, 'tone2');
    await new Promise((r) => setTimeout(r, 700));
  } finally {
    second.process.kill('SIGKILL');
    await second.stop();
  }

  // The file changes: the restart reports it and plays on (the buffer is silent).
  writeTone(join(samples, 'tone.wav'), 48000);
  const third = await startServer(args);
  try {
    const status = await engineStatus(third.client);
    assert.equal(status['buffers'].faults.length, 1, JSON.stringify(status['buffers']));
    assert.equal(status['buffers'].faults[0].code, 'E_HASH_MISMATCH');
    assert.match(third.log(), /buffer 'tone2' \(tone\.wav\) not restored: E_HASH_MISMATCH/);
    const listed = await list(third);
    assert.equal(listed[0]!['missing'], true);
  } finally {
    await third.stop();
  }
});

test('buffers: a slot failover keeps the sampler sounding; the replacement rejoins in lockstep', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronus-buffers-'));
  mkdirSync(join(dataDir, 'samples'), { recursive: true });
  writeTone(join(dataDir, 'samples', 'tone.wav'), 48000);
  const server = await startServer(['--data-dir', dataDir, '--allow-fault-injection', '--lead', '12']);
  try {
    await expectDone(server, '/buffer/load', ['tone', 'tone.wav']);
    await playSampler(server, 'tone');
    await new Promise((r) => setTimeout(r, 300));
    for (const slot of [0, 1]) {
      const before = await engineStatus(server.client);
      await expectDone(server, '/debug/fault', [slot, 'exit']);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const s = await engineStatus(server.client);
        if (s['rejoins'] > before['rejoins'] && bothInLockstep(s)) break;
        assert.ok(Date.now() < deadline, `slot ${slot} did not rejoin: ${JSON.stringify(s['slotHealth'])}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Both replacements started from snapshots holding the sampler mid-note: they render what
    // the survivor renders (the lockstep hashes agree) and the tone goes on.
    await new Promise((r) => setTimeout(r, 500));
    const status = await engineStatus(server.client);
    assert.equal(status['divergences'], 0);
    assertTone(await record(server, 'after', 1200), 'after two failovers');
  } finally {
    await server.stop();
  }
});

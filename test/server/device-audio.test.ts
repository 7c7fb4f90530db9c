// The sound-card sink through a real audio stack: a private PulseAudio server with a null sink
// (scripts/with-pulse.sh sets PULSE_SERVER), a real `chronus serve --sink device` (audify →
// ALSA → pulse plugin → testsink), captured with parec from testsink.monitor and analysed.
// Also: `--sink device:<id>` refuses a device that does not exist, and `--sink auto` without a
// usable sound card falls back to the null sink with one line saying why.
//
// Outside CI these tests skip, with the reason, when PulseAudio or audify is missing; in CI
// (CI=true), where .ci/run installs both and runs the suite under with-pulse.sh, they fail.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAudify } from '../../src/runtime/audify.js';
import { goertzelAmplitude, toDb } from '../helpers/analysis.js';
import { engineStatus, startServer, type RunningServer } from '../helpers/server-process.js';

const RATE = 48000;
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false' && process.env['CI'] !== '0';

const audify = await loadAudify();
const audifyMissing = audify.ok ? undefined : audify.reason;
const parecMissing = spawnSync('parec', ['--version'], { stdio: 'ignore' }).error === undefined ? undefined : 'parec is not installed (apt-get install pulseaudio-utils)';
const pulseMissing = process.env['PULSE_SERVER'] === undefined ? 'PULSE_SERVER is not set (run the tests under scripts/with-pulse.sh)' : undefined;
const deviceMissing = pulseMissing ?? audifyMissing ?? parecMissing;

/** A skip outside CI; in CI the test runs and fails on the reason instead. */
function skipUnlessCi(reason: string | undefined): { skip?: string } {
  return reason !== undefined && !inCi ? { skip: reason } : {};
}

/** parec on the null sink's monitor, raw s16le stereo at 48 kHz, collected in memory. */
function startCapture(): { process: ChildProcess; bytes: () => number; stop: () => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let total = 0;
  const child = spawn('parec', ['-d', 'testsink.monitor', '--latency-msec=10', '--format=s16le', `--rate=${RATE}`, '--channels=2', '--raw'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    bytes: () => total,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      if (total === 0) throw new Error(`parec captured nothing: ${stderr.trim()}`);
      return Buffer.concat(chunks);
    },
  };
}

/** Left channel of raw s16le stereo, from frame `from`, as floats. */
function leftChannel(raw: Buffer, from: number): Float32Array {
  const frames = Math.floor(raw.length / 4);
  const out = new Float32Array(Math.max(0, frames - from));
  for (let i = 0; i < out.length; i++) out[i] = raw.readInt16LE((from + i) * 4) / 32768;
  return out;
}

test('the device sink plays the default patch through PulseAudio: 440 Hz ≥ 40 dB above an off-tone', { ...skipUnlessCi(deviceMissing), timeout: 60000 }, async () => {
  if (deviceMissing !== undefined) assert.fail(`CI=true, so the real-audio test must run, but ${deviceMissing}`);
  // Capture first: a low-latency reader also keeps the null sink from sleeping in long blocks,
  // which would delay the start of the device stream by up to 2 s.
  const capture = startCapture();
  let server: RunningServer | undefined;
  try {
    await sleep(300);
    server = await startServer([], { sink: 'device' });
    assert.match(server.log(), /sink device \(/, 'the start-up line names the device');
    const client = server.client;
    const status = await engineStatus(client);
    assert.equal(status['sink'], 'device', '/engine/status reports the sink actually used');
    // Wait until the device is pulling blocks (under PulseAudio the first pull can take a while).
    const first = status['consumedBlocks'] as number;
    for (let i = 0; i < 100 && ((await engineStatus(client))['consumedBlocks'] as number) < first + 50; i++) await sleep(50);
    assert.ok(((await engineStatus(client))['consumedBlocks'] as number) >= first + 50, 'the sound card never started pulling blocks');
    assert.equal((await client.request('/notify', [1])).address, '/done');
    const gate = await client.request('/gate/adsr1', [1]);
    assert.equal(gate.address, '/done', JSON.stringify(gate.args));
    const marker = Math.floor(capture.bytes() / 4);
    await sleep(1300);
    const raw = await capture.stop();
    // Skip 0.25 s past the gate (device and capture latency, the attack), analyse the rest.
    const left = leftChannel(raw, marker + RATE / 4);
    assert.ok(left.length >= RATE / 2, `too little audio captured after the gate: ${left.length} frames`);
    const tone = goertzelAmplitude(left, 440, RATE);
    const off = goertzelAmplitude(left, 1370, RATE);
    const ratioDb = toDb(tone / Math.max(off, 1e-9));
    assert.ok(tone > 0.02, `440 Hz amplitude ${tone.toFixed(4)}: the tone did not come through`);
    assert.ok(ratioDb >= 40, `440 Hz only ${ratioDb.toFixed(1)} dB above 1370 Hz`);
    const after = await engineStatus(client);
    assert.equal(after['sink'], 'device');
    assert.equal(after['divergences'], 0);
    // Silent device periods are counted (estimated from the stream time every 256 callbacks).
    assert.ok(Number.isInteger(after['deviceGaps']) && after['deviceGaps'] >= 0, `deviceGaps: ${after['deviceGaps']}`);
  } finally {
    capture.process.kill('SIGKILL');
    if (server !== undefined) {
      const code = await server.stop();
      assert.equal(code, 0, `the server did not exit cleanly:\n${server.log()}`);
    }
  }
});

test('--sink device:<id> refuses a device that does not exist, with a clear error', { ...skipUnlessCi(audifyMissing), timeout: 30000 }, async () => {
  if (audifyMissing !== undefined) assert.fail(`CI=true, so audify must be installed, but ${audifyMissing}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'chronus-device-'));
  const result = spawnSync(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, '--sink', 'device:987654'], { encoding: 'utf8', timeout: 20000 });
  assert.notEqual(result.status, 0, 'the server must not start');
  assert.match(result.stderr, /--sink device:987654: .*no device 987654/);
  assert.doesNotMatch(result.stderr, /listening for OSC/);
});

// A machine with a sound card may legitimately pick it; this checks the fallback where there is none.
const soundCard = existsSync('/dev/snd') && audify.ok ? 'this machine has /dev/snd: auto may pick a real sound card' : undefined;
test('--sink auto without a usable sound card falls back to the null sink, saying why in one line', { ...(soundCard === undefined ? {} : { skip: soundCard }), timeout: 30000 }, async () => {
  const saved = process.env['PULSE_SERVER'];
  // No reachable PulseAudio: ALSA's default device (the pulse plugin) is gone, and there is no card.
  process.env['PULSE_SERVER'] = 'unix:/nonexistent/chronus-no-pulse';
  let server: RunningServer | undefined;
  try {
    server = await startServer([], { sink: 'auto' });
  } finally {
    if (saved === undefined) delete process.env['PULSE_SERVER'];
    else process.env['PULSE_SERVER'] = saved;
  }
  try {
    const status = await engineStatus(server.client);
    assert.equal(status['sink'], 'null');
    const lines = server.log().split('\n').filter((l) => l.startsWith('chronus:') && l.includes('using the clocked null sink'));
    assert.equal(lines.length, 1, server.log());
    assert.match(lines[0]!, audify.ok ? /no sound card \(audify found no output device/ : /audify is not installed|audify failed to load/);
    assert.doesNotMatch(server.log(), /ALSA lib/, 'ALSA chatter from the probe leaked into the server log');
    assert.match(server.log(), /sink null$/m);
  } finally {
    await server.stop();
  }
});

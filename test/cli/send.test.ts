// The client commands as a user runs them: `chronus send` (one command, -f scripts), the
// CHRONUS_HOST/PORT defaults, and one-line errors (no stack trace) for a busy port and an
// unwritable --out. Real processes against a real server (null sink).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'chronus-send-'));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs the CLI asynchronously (the server is another process; the test's event loop stays free). */
function chronus(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('close', (status) => {
    clearTimeout(timer);
    resolve({ status, stdout, stderr, ms: performance.now() - started });
  }));
}

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.notEqual(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, / {4}at /, 'no stack trace');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

test('send -f sets up 120 commands over one socket in well under a second', async () => {
  const lines = ['# a set-up script: 40 oscillators, a commit, 40 params, a sequencer', ''];
  for (let i = 0; i < 40; i++) lines.push(`/patch/create o${i} osc`);
  lines.push('/patch/commit');
  for (let i = 0; i < 40; i++) lines.push(`/mod/o${i}/freq ${110 + i}`);
  lines.push('/seq/create s1', "/seq/pattern s1 'x . x .'", '/seq/lane s1 velocity "- 1 - 0.5"   ');
  for (let i = 0; i < 36; i++) lines.push(`/seq/bpm ${100 + i}`);
  const file = join(dir, 'setup.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const r = await chronus(['send', '-f', file, '--port', String(server.port)]);
  assert.equal(r.status, 0, r.stderr);
  const m = /120 of 120 commands from .* in (\d+) ms, all done/.exec(r.stderr);
  assert.ok(m !== null, r.stderr);
  const sendMs = Number(m[1]);
  console.log(`send -f: 120 commands in ${sendMs} ms (whole process, start-up included: ${r.ms.toFixed(0)} ms)`);
  assert.ok(sendMs < 10_000, `${sendMs} ms`);
  // Every line was applied: the last params and the sequencer are there.
  const reply = await server.client.request('/seq/get', ['s1'], 3000);
  const seq = JSON.parse(String(reply.args[1])) as { pattern: string; stepLanes: { velocity: Array<number | null> }; transport: { bpm: number } };
  assert.deepEqual(seq.stepLanes.velocity, [null, 1, null, 0.5]);
  assert.equal(seq.transport.bpm, 135);
  const patch = JSON.parse(String((await server.client.request('/patch/get', [], 3000)).args[1])) as { modules: Array<{ id: string; params?: Record<string, unknown> }> };
  assert.equal(patch.modules.find((x) => x.id === 'o39')?.params?.['freq'], 149);
});

test('send -f stops at the first /fail with its line number; --keep-going goes on', async () => {
  const file = join(dir, 'bad.txt');
  writeFileSync(file, '/seq/bpm 121\n# comment\n\n/seq/bpm 9999\n/seq/bpm 122\n');
  const stop = await chronus(['send', '-f', file], { CHRONUS_PORT: String(server.port) });
  assert.equal(stop.status, 1);
  assert.match(stop.stderr, /bad\.txt:4: \/seq\/bpm 9999\n {2}\/fail "\/seq\/bpm" "E_RANGE"/);
  assert.match(stop.stderr, /2 of 3 commands .*\(first at line 4\).*1 not sent/);
  const bpm = async (): Promise<number> => (JSON.parse(String((await server.client.request('/seq/get', ['s1'], 3000)).args[1])) as { transport: { bpm: number } }).transport.bpm;
  assert.equal(await bpm(), 121, 'line 5 was not sent');
  const go = await chronus(['send', '-f', file, '--keep-going'], { CHRONUS_PORT: String(server.port) });
  assert.equal(go.status, 1);
  assert.match(go.stderr, /3 of 3 commands .* 1 failed \(first at line 4\)/);
  assert.equal(await bpm(), 122);
  // A script that does not parse sends nothing.
  writeFileSync(file, '/seq/bpm 123\nseq/bpm 1\n/seq/lane s1 velocity "1\n');
  const unparsed = await chronus(['send', '-f', file], { CHRONUS_PORT: String(server.port) });
  assert.equal(unparsed.status, 2);
  assert.match(unparsed.stderr, /bad\.txt:2: .*\n.*bad\.txt:3: unclosed " quote/);
  assert.equal(await bpm(), 122);
});

test('after the address every argument is a value; errors exit 1 without --wait; --no-wait fires and forgets', async () => {
  const env = { CHRONUS_HOST: '127.0.0.1', CHRONUS_PORT: String(server.port) };
  // "- F1" and -1 are values: the server (not the CLI) judges them.
  const lane = await chronus(['send', '/seq/lane', 's1', 'velocity', '- F1', '-1'], env);
  assert.equal(lane.status, 1);
  assertOneLineError(lane, /^\/fail "\/seq\/lane" "E_BAD_VALUE"/);
  const ok = await chronus(['send', '/seq/lane', 's1', 'velocity', '- 1', '-'], env);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  const unknown = await chronus(['send', '/mod/nope/freq', '3'], env);
  assertOneLineError(unknown, /E_UNKNOWN_MODULE/);
  const fired = await chronus(['send', '--no-wait', '/mod/nope/freq', '3'], env);
  assert.equal(fired.status, 0);
  const waited = await chronus(['send', '/seq/get', 's1', '--wait'], env);
  assert.equal(waited.status, 0, waited.stderr);
  assert.match(waited.stdout, /^\/done "\/seq\/get" /);
  // `--` ends the options: "--wait" is then a value.
  const dashed = await chronus(['send', '/seq/pattern', 's1', '--', '--wait'], env);
  assert.equal(dashed.status, 1);
  assert.match(dashed.stderr, /\/fail "\/seq\/pattern"/);
});

test('status takes its target from CHRONUS_PORT', async () => {
  const r = await chronus(['status'], { CHRONUS_PORT: String(server.port) });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /48000 Hz, block 128/);
  const bad = await chronus(['status'], { CHRONUS_PORT: 'five' });
  assertOneLineError(bad, /CHRONUS_PORT must be a port number/);
});

test('serve on a busy port and render to an unwritable --out fail in one line, without a stack trace', async () => {
  const busy = await chronus(['serve', '--sink', 'null', '--port', String(server.port), '--data-dir', join(dir, 'busy')]);
  assertOneLineError(busy, new RegExp(`port ${server.port} .* in use.*--port`));
  const patch = join(root, 'examples/acid-sweep.json');
  const out = join(dir, 'no-such-folder', 'x.wav');
  const render = await chronus(['render', patch, '--seconds', '0.1', '--out', out]);
  assertOneLineError(render, new RegExp(`cannot write --out ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: its folder does not exist`));
});

// A whole agent session through MCP: the SDK's Client over an in-memory transport drives
// `chronus mcp`'s surface against a real server process: discover → edit (with one mistake) →
// validate → fix → hear the staged patch → commit → hear live with checks → undo → hear again
// (the delta shows the undo). Plus the guards: a stale commit is refused and changes nothing,
// hear is deterministic, errors carry code/changed/retrySafe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ChronusLink } from '../../src/agent/link.js';
import { buildServer } from '../../src/agent/mcp-sdk.js';
import { AgentSession } from '../../src/agent/session.js';
import { agentSurface } from '../../src/agent/surface.js';
import { createRegistry } from '../../src/dsp/modules/index.js';
import { startServer } from '../helpers/server-process.js';

type Result = { structuredContent?: Record<string, any>; isError?: boolean; content?: unknown };

test('an agent discovers, edits, validates, hears, commits, hears, undoes and hears the undo', { timeout: 120000 }, async () => {
  const server = await startServer(['--seed', '3']);
  const link = new ChronusLink({ host: '127.0.0.1', port: server.port });
  const outDir = mkdtempSync(join(tmpdir(), 'chronus-mcp-test-'));
  const mcp = buildServer(agentSurface(new AgentSession(link, createRegistry(), outDir), 'test'));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-agent', version: '1' });
  try {
    await mcp.connect(serverSide);
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown> = {}): Promise<Result> => (await client.callTool({ name, arguments: args })) as Result;
    const ok = async (name: string, args: Record<string, unknown> = {}): Promise<Record<string, any>> => {
      const r = await call(name, args);
      assert.notEqual(r.isError, true, `${name}: ${JSON.stringify(r.structuredContent)}`);
      assert.equal(typeof r.structuredContent?.['summary'], 'string');
      return r.structuredContent!;
    };

    // Discover: tools with truthful annotations, resources, prompts.
    const tools = (await client.listTools()).tools;
    assert.equal(tools.length, 12);
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    assert.equal(hints['status']?.readOnlyHint, true);
    assert.equal(hints['hear']?.readOnlyHint, true);
    assert.equal(hints['commit']?.destructiveHint, true);
    assert.equal(hints['undo']?.destructiveHint, true);
    assert.equal(hints['edit_patch']?.readOnlyHint, false);
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    assert.deepEqual(resources.sort(), ['chronus://reference/modules', 'chronus://reference/osc']);
    const osc = await client.readResource({ uri: 'chronus://reference/osc' });
    assert.match(String((osc.contents[0] as { text: string }).text), /\/patch\/undo/);
    assert.deepEqual((await client.listPrompts()).prompts.map((p) => p.name).sort(), ['build_patch', 'louder_safely', 'why_silent']);
    const prompt = await client.getPrompt({ name: 'why_silent' });
    assert.match(JSON.stringify(prompt.messages), /tap/);

    const status = await ok('status');
    const start = status['live']['fingerprint'] as string;
    assert.match(start, /^[0-9a-f]{16}$/);
    const filter = await ok('modules', { type: 'filter' });
    assert.ok((filter['params'] as Array<{ id: string }>).some((p) => p.id === 'cutoff'));

    // Hold the envelope so the default chain sounds, and hear the live state.
    await ok('control', { actions: [{ target: 'adsr1', value: 1 }] });
    const before = await ok('hear', { seconds: 1 });
    assert.notEqual(before['levels']['rmsDbfs'][0], null, 'the held gate sounds in the render');

    // Edit with one mistake (a port that does not exist); validate names it and the fix.
    const edited = await ok('edit_patch', {
      ops: [
        { op: 'create', id: 'tone2', type: 'osc' },
        { op: 'set', id: 'tone2', param: 'freq', value: 660 },
        { op: 'set', id: 'tone2', param: 'gain', value: 0.5 },
        { op: 'connect', from: 'tone2', to: 'out.lef' },
      ],
    });
    assert.equal(edited['applied'], 4);
    const invalid = await ok('validate');
    assert.equal(invalid['ok'], false);
    const [error] = invalid['errors'] as Array<Record<string, any>>;
    assert.equal(error!['code'], 'E_UNKNOWN_PORT');
    assert.deepEqual(error!['fix']['ops'], [{ op: 'disconnect', from: 'tone2', to: 'out.lef' }, { op: 'connect', from: 'tone2', to: 'out.left' }]);
    // Commit refuses the invalid patch (nothing changes, no retry without a fix).
    const refused = await call('commit');
    assert.equal(refused.isError, true);
    assert.equal(refused.structuredContent!['error']['code'], 'E_PATCH_INVALID');
    assert.equal(refused.structuredContent!['error']['changed'], false);
    assert.equal(refused.structuredContent!['error']['retrySafe'], false);
    // Fix with the ops validate gave.
    await ok('edit_patch', { ops: error!['fix']['ops'] });
    assert.equal((await ok('validate'))['ok'], true);

    // Hear the staged patch before committing: louder than the live one, deterministically.
    const staged = await ok('hear', { source: 'staged', seconds: 1 });
    const stagedAgain = await ok('hear', { source: 'staged', seconds: 1 });
    const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
    assert.equal(digest(staged['files']['wav']), digest(stagedAgain['files']['wav']), 'same state, same samples');
    assert.equal(stagedAgain['delta']['rmsDb'], 0);
    assert.ok(staged['levels']['rmsDbfs'][0] > before['levels']['rmsDbfs'][0] + 3, `staged ${staged['levels']['rmsDbfs'][0]} vs live ${before['levels']['rmsDbfs'][0]}`);

    // Commit (guarded by the base noted at the first edit), hear live with checks.
    const committed = await ok('commit');
    assert.equal(committed['previous'], start, 'guarded by the live fingerprint noted at the first edit');
    assert.notEqual(committed['fingerprint'], start);
    const live = await ok('hear', { seconds: 1, checks: ['no_clip'] });
    assert.equal(live['fingerprint'], committed['fingerprint']);
    assert.equal(digest(live['files']['wav']), digest(staged['files']['wav']), 'the committed patch sounds as the staged one did');
    const checks = live['analysis']['checks'] as Array<Record<string, unknown>>;
    assert.equal(checks.length, 1);
    if (live['analysis']['available'] === false) assert.deepEqual(checks[0], { check: 'no_clip', pass: null, reason: 'not measurable: no analysis in this build' });
    else assert.equal(checks[0]!['pass'], true);

    // A stale commit is refused atomically: another client commits in between.
    await ok('edit_patch', { ops: [{ op: 'set', id: 'tone2', param: 'freq', value: 440 }] });
    const other = server.newClient();
    assert.equal((await other.request('/patch/set', ['filter1', 'q', 2])).address, '/done');
    assert.equal((await other.request('/patch/commit')).address, '/done');
    const stale = await call('commit', { expectedFingerprint: committed['fingerprint'] });
    assert.equal(stale.isError, true);
    assert.equal(stale.structuredContent!['error']['code'], 'E_STALE');
    assert.equal(stale.structuredContent!['error']['changed'], false);
    // The other client's commit is live; undo it back to ours (explicitly guarded).
    const history = await ok('get_patch', { history: true });
    assert.equal((history['history'] as Array<{ fingerprint: string }>)[1]!.fingerprint, committed['fingerprint']);
    await ok('undo', { expectedFingerprint: history['fingerprint'] });

    // Undo our commit: back to the start patch, and the hear delta shows it.
    const undone = await ok('undo');
    assert.equal(undone['fingerprint'], (await ok('status'))['live']['fingerprint']);
    const after = await ok('hear', { seconds: 1 });
    assert.ok(after['delta']['rmsDb'] < -3, `the undo is heard: ${JSON.stringify(after['delta'])}`);
    assert.equal(digest(after['files']['wav']), digest(before['files']['wav']), 'back to what played before');
    const nothing = await call('undo');
    assert.equal(nothing.isError, true);
    assert.equal(nothing.structuredContent!['error']['code'], 'E_NO_HISTORY');

    // Errors of the MCP layer itself: a tap that names nothing, an unknown type with a suggestion.
    const badTap = await call('hear', { tap: 'nosuch' });
    assert.equal(badTap.isError, true);
    assert.equal(badTap.structuredContent!['error']['code'], 'E_BAD_TAP');
    const typo = await call('modules', { type: 'filtr' });
    assert.match(String(typo.structuredContent!['error']['next']), /filter/);
  } finally {
    await client.close().catch(() => undefined);
    await mcp.close().catch(() => undefined);
    await link.close();
    await server.stop();
  }
});

test('hear renders the running sequencer on its grid and reports the tempo it ran', { timeout: 60000 }, async () => {
  const server = await startServer([]);
  const link = new ChronusLink({ host: '127.0.0.1', port: server.port });
  const mcp = buildServer(agentSurface(new AgentSession(link, createRegistry(), mkdtempSync(join(tmpdir(), 'chronus-mcp-test-'))), 'test'));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-agent', version: '1' });
  try {
    await mcp.connect(serverSide);
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, any>> => {
      const r = (await client.callTool({ name, arguments: args })) as Result;
      assert.notEqual(r.isError, true, `${name}: ${JSON.stringify(r.structuredContent)}`);
      return r.structuredContent!;
    };
    const configured = await call('sequencer', { id: 'beat', bpm: 150, pattern: 'x...x...x...x...', gate: 'adsr1', action: 'start', now: true });
    assert.equal(configured['sequencer']['pattern'], 'x...x...x...x...');
    const heard = await call('hear', { seconds: 2 });
    assert.deepEqual(heard['sequencer'], { bpm: 150, stepsPerBeat: 4, gridStartSeconds: 0, running: true });
    // Notes on every beat (0.4 s at 150 BPM) from the first sample: loud just after each beat,
    // quiet before the next (gate 0.5 of a sixteenth = 50 ms, release 100 ms).
    const { readWav } = await import('../../src/io/wav-reader.js');
    const wav = readWav(heard['files']['wav']);
    const left = wav.data[0]!;
    const rmsAt = (from: number, to: number): number => {
      let s = 0;
      for (let i = Math.round(from * wav.sampleRate); i < Math.round(to * wav.sampleRate); i++) s += left[i]! ** 2;
      return Math.sqrt(s / ((to - from) * wav.sampleRate));
    };
    for (let beat = 0; beat < 4; beat++) {
      const t = beat * 0.4;
      assert.ok(rmsAt(t + 0.01, t + 0.05) > 10 * rmsAt(t + 0.3, t + 0.39), `beat ${beat}: ${rmsAt(t + 0.01, t + 0.05)} vs ${rmsAt(t + 0.3, t + 0.39)}`);
    }
  } finally {
    await client.close().catch(() => undefined);
    await mcp.close().catch(() => undefined);
    await link.close();
    await server.stop();
  }
});

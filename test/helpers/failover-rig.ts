// A live server set up for failover tests: fault injection on, a state folder whose journal
// keeps everything (no periodic snapshot during the test), a patch with oscillators, an LFO,
// envelopes and noise, a recording in float, a seeded stream of commands, and the comparison
// of what the sink played with an offline replay of the journal.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OscClient } from '../../src/control/osc-client.js';
import type { IncomingMessage } from '../../src/control/osc-transport.js';
import { readWav } from '../../src/io/wav-reader.js';
import { renderStateDir } from './state-replay.js';
import { TestRandom } from './random.js';
import { engineStatus, startServer, type RunningServer } from './server-process.js';

export const RIG_PATCH = {
  format: 'chronus-patch',
  version: 1,
  modules: [
    { id: 'o1', type: 'osc', params: { waveform: 'saw', freq: 110, gain: 0.3 } },
    { id: 'o2', type: 'osc', params: { waveform: 'square', freq: 220, pw: 0.3, gain: 0.2 } },
    { id: 'n1', type: 'noise', params: { color: 'pink', gain: 0.05 } },
    { id: 'lfo1', type: 'lfo', params: { shape: 'sine', rate: 3 } },
    { id: 'e1', type: 'adsr', params: { attack: 5, decay: 80, sustain: 0.6, release: 120 } },
    { id: 'e2', type: 'adsr', params: { attack: 2, decay: 40, sustain: 0.3, release: 60 } },
    { id: 'f1', type: 'filter', params: { mode: 'lp', cutoff: 1200, q: 2 } },
  ],
  connections: [
    { from: 'o1', to: 'e1' },
    { from: 'e1', to: 'f1' },
    { from: 'lfo1', to: 'f1.cutoff', amount: 600 },
    { from: 'f1', to: 'out' },
    { from: 'o2', to: 'e2' },
    { from: 'n1', to: 'e2' },
    { from: 'e2', to: 'out' },
  ],
};

export interface Rig {
  readonly server: RunningServer;
  readonly client: OscClient;
  readonly stateDir: string;
  /** Notices (/engine/failover, /engine/rejoin, /engine/outage, /module/fault) received so far. */
  readonly notices: IncomingMessage[];
  status(): Promise<Record<string, any>>;
  /** Stops the server (and the notice listener). Idempotent. */
  stop(): Promise<unknown>;
  /** Sends commands at seeded random moments until `stopCommands()`. */
  startCommands(seed: number): void;
  stopCommands(): Promise<number>;
  /** Waits until `done(status)` holds (polling), or fails after `timeoutMs`. */
  waitFor(what: string, done: (s: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

export async function startRig(extraArgs: string[] = []): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'chronus-failover-'));
  const patchPath = join(dir, 'patch.json');
  writeFileSync(patchPath, JSON.stringify(RIG_PATCH));
  const stateDir = join(dir, 'state');
  const server = await startServer(['--allow-fault-injection', '--state-dir', stateDir, '--snapshot-every', '86400', '--lead', '12', '--patch', patchPath, ...extraArgs]);
  const client = server.client;
  const listener = server.newClient();
  const notices: IncomingMessage[] = [];
  await listener.request('/notify', [1]);
  let closed = false;
  const collect = (): void => {
    if (closed) return;
    void listener.next((m) => m.address.startsWith('/engine/') || m.address === '/module/fault', 250).then((m) => {
      notices.push(m);
      collect();
    }, collect);
  };
  collect();
  let sending = false;
  let sent = 0;
  let loop: Promise<void> = Promise.resolve();
  const rig: Rig = {
    server,
    client,
    stateDir,
    notices,
    status: () => engineStatus(client),
    async stop() {
      closed = true;
      await server.stop();
    },
    startCommands(seed) {
      const random = new TestRandom(seed);
      sending = true;
      loop = (async () => {
        while (sending) {
          const pick = random.int(0, 4);
          if (pick === 0) await client.send('/gate/e1', random.int(0, 1));
          else if (pick === 1) await client.send('/gate/e2', random.int(0, 1));
          else if (pick === 2) await client.send('/mod/o1/freq', Math.round(random.range(80, 400)));
          else if (pick === 3) await client.send('/mod/f1/q', Math.round(random.range(5, 80)) / 10);
          else await client.send('/mod/lfo1/rate', Math.round(random.range(5, 90)) / 10);
          sent++;
          await new Promise((r) => setTimeout(r, random.int(5, 40)));
        }
      })();
    },
    async stopCommands() {
      sending = false;
      await loop;
      return sent;
    },
    async waitFor(what, done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await engineStatus(client);
        if (done(s)) return s;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  return rig;
}

export const bothInLockstep = (s: Record<string, any>): boolean => s['slotHealth'].every((h: { state: string }) => h.state === 'lockstep');

export interface Comparison {
  readonly blocks: number;
  readonly mismatched: number;
  /** Mismatched blocks that are silent in the recording (what an underrun plays). */
  readonly silentMismatches: number;
}

/**
 * Compares a float recording (`/record/stop` reply: path, seconds, first frame) block by block
 * with the offline replay of the state folder's journal.
 */
export function compareWithReplay(stateDir: string, wavPath: string, firstFrame: number, blockSize: number): Comparison {
  const wav = readWav(wavPath);
  assert.equal(wav.format, 'float');
  const frames = wav.data[0]!.length;
  assert.ok(frames > 0, 'the recording holds audio');
  const replay = renderStateDir(stateDir, firstFrame, frames);
  return compareBlocks(wav.data[0]!, wav.data[1]!, replay, 0, blockSize);
}

/**
 * Block-by-block comparison of a recording (left/right) with a replay, the recording's first
 * sample being the replay's sample `offset`.
 */
export function compareBlocks(left: Float32Array, right: Float32Array, replay: { left: Float32Array; right: Float32Array }, offset: number, blockSize: number): Comparison {
  let mismatched = 0;
  let silentMismatches = 0;
  let blocks = 0;
  for (let start = 0; start < left.length; start += blockSize) {
    blocks++;
    const end = Math.min(left.length, start + blockSize);
    let same = true;
    let silent = true;
    for (let i = start; i < end; i++) {
      if (left[i] !== 0 || right[i] !== 0) silent = false;
      if (left[i] !== replay.left[offset + i] || right[i] !== replay.right[offset + i]) same = false;
    }
    if (!same) {
      mismatched++;
      if (silent) silentMismatches++;
    }
  }
  return { blocks, mismatched, silentMismatches };
}

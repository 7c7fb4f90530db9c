// The main thread's cost per /mod: from a decoded OSC message to its record in the command
// ring (address lookup, argument check, module lookup, value validation, stamping, encoding,
// the ring and journal writes, the /mod value recorded in the live and staged documents),
// with a 10-module and a 1,000-module patch. The two should cost the same: every step is a
// map lookup or constant work, nothing scans the patch (the goal: within 20 %).
//
// It drives the real server's dispatcher (ChronusServer.dispatcher) on a server that is
// constructed but not started: no slot workers, no sockets. Between timed batches it plays
// the slots' part (marks the ring read and the commands decided) and trims the journal as
// periodic snapshots do; that work is not timed. OSC decoding is not timed either. The two
// patches take turns batch by batch, so both see the same machine; the reported ratio is the
// median of the rounds' ratios.
// Time is the process's CPU time (process.cpuUsage: user + system), not the wall clock: on a
// shared 2-vCPU machine the main thread loses the CPU to other processes for milliseconds at a
// time, which a wall clock would count. The process runs no other thread here (V8's GC helpers
// count, as they should: garbage is part of the cost).
//
// Threading: main thread.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from '../src/control/osc-transport.js';
import { ChronusServer } from '../src/control/server.js';
import { createRegistry } from '../src/dsp/modules/index.js';
import type { PatchDocument } from '../src/patch/document.js';
import { CMD_FIELDS, CMD_HANDLE, CMD_KIND, CMD_VALUE, CTL_CMD_WRITE, SLOT_CMD_READ, SLOT_LOCKSTEP, SLOT_STATE } from '../src/runtime/shared-state.js';
import { CMD_PARAM } from '../src/runtime/engine-command.js';
import { option, pad } from './bench-args.js';

export const CONTROL_USAGE = 'control [--messages 500000] [--rounds 9]   main-thread cost per /mod (parse → ring) with 10- and 1,000-module patches, and their ratio';

/** Messages between two simulated slot drains (below the ring's 8,192 records). */
const BATCH = 4096;

function patchOf(modules: number): PatchDocument {
  const list: PatchDocument['modules'] = [];
  for (let i = 0; i < modules - 1; i++) list.push({ id: `o${i}`, type: 'osc', params: { freq: 100 + i } });
  list.push({ id: 'out', type: 'out' });
  return { format: 'chronus-patch', version: 1, modules: list, connections: [] };
}

interface Rig {
  readonly modules: number;
  readonly server: ChronusServer;
  readonly messages: ReadonlyArray<IncomingMessage>;
  readonly dataDir: string;
}

function rig(modules: number): Rig {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronus-control-bench-'));
  const server = new ChronusServer(createRegistry(), {
    host: '127.0.0.1', port: 0, sampleRate: 48000, blockSize: 128, slots: 2, lead: 8, adaptiveLead: false, seed: 1,
    dataDir, sink: 'null', initialPatch: patchOf(modules), log: () => undefined, spareWorker: false,
  });
  // Both slots "running", so the ring's fill level counts them, as live.
  for (const s of server.supervisor.shared.slots) Atomics.store(s.ints, SLOT_STATE, SLOT_LOCKSTEP);
  // Modules in a scattered order (a linear scan would cost about half the patch on average).
  const messages: Array<IncomingMessage> = [];
  for (let i = 0, k = 0; i < 1024; i++, k = (k + 7919) % (modules - 1)) messages.push({ address: `/mod/o${k}/freq`, args: [200 + (i % 300)], timeMs: undefined });
  return { modules, server, messages, dataDir };
}

/** What the slots and the supervisor's snapshots do between batches: read the ring, decide, trim. */
function drain(r: Rig): void {
  const { shared, bus } = r.server.supervisor;
  const write = Atomics.load(shared.ctl, CTL_CMD_WRITE);
  for (const s of shared.slots) Atomics.store(s.ints, SLOT_CMD_READ, write);
  shared.decisions.fill(0);
  bus.settle();
  bus.journal.trimBefore(bus.nextSequence);
}

/** Dispatches one batch of /mod messages starting at message `done`; returns its CPU microseconds. */
function batch(r: Rig, done: number): number {
  const dispatcher = r.server.dispatcher;
  const messages = r.messages;
  const t0 = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) void dispatcher.dispatch(messages[(done + i) & 1023]!, 'bench', reply);
  const used = process.cpuUsage(t0);
  drain(r);
  return used.user + used.system;
}

const reply = (): void => undefined;

/**
 * Dispatches `count` messages (whole batches) to each rig, the rigs taking turns batch by batch
 * so both see the same machine (the load on a shared VM changes within a second); returns CPU
 * nanoseconds per message for each.
 */
function run(rigs: readonly Rig[], count: number): number[] {
  const cpuUs = rigs.map(() => 0);
  let done = 0;
  for (; done < count; done += BATCH) rigs.forEach((r, i) => (cpuUs[i]! += batch(r, done)));
  return cpuUs.map((us) => (us * 1000) / done);
}

/** The work is real: no message failed, and the last ring record is that message's param set. */
function check(r: Rig): void {
  const counters = r.server.dispatcher.counters;
  if (counters.failed + counters.badArgs + counters.unknownAddress + counters.internalErrors > 0) throw new Error(`control bench: messages failed ${JSON.stringify(counters)}`);
  const { shared, bus } = r.server.supervisor;
  const before = Atomics.load(shared.ctl, CTL_CMD_WRITE);
  void r.server.dispatcher.dispatch({ address: '/mod/o1/freq', args: [1234.5], timeMs: undefined }, 'bench', () => undefined);
  const at = (before & (shared.config.commandCapacity - 1)) * CMD_FIELDS;
  const c = shared.commands;
  if (c[at + CMD_KIND] !== CMD_PARAM || c[at + CMD_HANDLE] !== bus.handleOf('o1') || c[at + CMD_VALUE] !== 1234.5) throw new Error('control bench: the ring does not hold the /mod');
  drain(r);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function controlBench(args: readonly string[]): Promise<void> {
  const messages = option(args, '--messages', 500_000);
  const rounds = option(args, '--rounds', 9);
  const rigs = [rig(10), rig(1000)];
  try {
    process.stdout.write(`control: main-thread CPU time per /mod (dispatch → command ring), ${messages} messages × ${rounds} rounds per patch, median\n`);
    // Warm-up: both rigs, so the JIT state is the same for both when timing starts.
    for (let w = 0; w < 3; w++) run(rigs, 50_000);
    const times = rigs.map(() => [] as number[]);
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which rig goes first, so any cost of going second hits both alike.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const measured = run(order.map((i) => rigs[i]!), messages);
      order.forEach((i, k) => times[i]!.push(measured[k]!));
      ratios.push(times[1]![round]! / times[0]![round]!);
    }
    for (const r of rigs) check(r);
    const [small, big] = times.map(median) as [number, number];
    const widths = [10, 12, 12, 12];
    process.stdout.write(`${pad(['modules', 'ns/mod p50', 'min', 'max'], widths)}\n`);
    rigs.forEach((r, i) => {
      const t = times[i]!;
      process.stdout.write(`${pad([r.modules, Math.round(median(t)), Math.round(Math.min(...t)), Math.round(Math.max(...t))], widths)}\n`);
    });
    const ratio = median(ratios);
    const within = Math.abs(ratio - 1) <= 0.2;
    process.stdout.write(`ratio 1,000 / 10 modules (median of per-round ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}): ${ratio.toFixed(3)} (${within ? 'within' : 'NOT within'} 20 %); ${(1e6 / small).toFixed(0)}k /mod per second of main-thread CPU\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'control', messages, rounds, nsPerMod: { modules10: Math.round(small), modules1000: Math.round(big) }, ratio: Math.round(ratio * 1000) / 1000, within20pct: within })}\n`);
  } finally {
    for (const r of rigs) {
      await r.server.stop();
      rmSync(r.dataDir, { recursive: true, force: true });
    }
  }
}

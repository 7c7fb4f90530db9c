// Fuzzing the control surface of a real server process: thousands of random and mutated OSC
// packets (seeded, so every run sends the same bytes) over UDP, and framed garbage over TCP,
// interleaved with valid commands that must all be answered. Afterwards the server still
// answers, its counters saw every packet and counted exactly the undecodable ones as
// malformed, no handler threw, and the slots are alive.
//
// The rate is bounded by the protocol itself: every BATCH packets the fuzzing client sends a
// `/sync <n>` and waits for `/synced <n>` before going on, so at most one batch is in flight.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { fromBuffer, toBuffer, type OscPacketInput } from 'osc-min';
import type { OscValue } from '../../src/control/command-table.js';
import type { OscClient } from '../../src/control/osc-client.js';
import { encodeMessage, flattenPacket, type IncomingMessage } from '../../src/control/osc-transport.js';
import { TestRandom } from '../helpers/random.js';
import { engineStatus, startServer, type RunningServer } from '../helpers/server-process.js';

const SEED = 0x5eed0cc;
const UDP_PACKETS = 3000;
const TCP_FRAMES = 600;
const BATCH = 50;

let server: RunningServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

// ------------------------------------------------------------------ packet generators

function bytesOf(value: OscPacketInput): Buffer {
  const view = toBuffer(value);
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** An OSC string: UTF-8, NUL-terminated, padded to 4 bytes. */
function oscString(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  return Buffer.concat([raw, Buffer.alloc(4 - (raw.length % 4))]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0, 0);
  return b;
}

/** Valid encodings to mutate: every command family, every argument type osc-min writes. */
const SEEDS: readonly Buffer[] = [
  { address: '/patch/set', args: ['sine1', 'gain', { type: 'float', value: 0.3 }] },
  { address: '/mod/sine1/freq', args: [{ type: 'float', value: 330 }] },
  { address: '/mod/filter1/cutoff', args: [{ type: 'double', value: 900 }] },
  { address: '/mod/sine1/waveform', args: ['saw'] },
  { address: '/gate/adsr1', args: [{ type: 'integer', value: 1 }] },
  { address: '/gate/adsr1', args: ['off'] },
  { address: '/module/reset', args: ['sine1'] },
  { address: '/sync', args: [{ type: 'integer', value: 3 }] },
  { address: '/engine/status', args: [] },
  { address: '/engine/switch', args: [] },
  { address: '/patch/get', args: ['staged'] },
  { address: '/patch/create', args: ['fz1', 'noise'] },
  { address: '/patch/connect', args: ['fz1', 'filter1', { type: 'float', value: 0.5 }] },
  { address: '/patch/disconnect', args: ['fz1', 'filter1'] },
  { address: '/patch/delete', args: ['fz1'] },
  { address: '/patch/abort', args: [] },
  { address: '/patch/clear', args: [] },
  { address: '/patch/commit', args: [{ type: 'integer', value: 5 }] },
  { address: '/patch/save', args: ['fuzz'] },
  { address: '/patch/load', args: ['fuzz'] },
  { address: '/record/status', args: [] },
  { address: '/notify', args: [{ type: 'true' }] },
  {
    address: '/nope',
    args: [
      { type: 'blob', value: new Uint8Array([1, 2, 3, 4, 5]) }, { type: 'bigint', value: 5n }, { type: 'null' },
      { type: 'character', value: 'x' }, { type: 'timetag', value: [1, 0] }, { type: 'false' }, { type: 'symbol', value: 'sym' },
      { type: 'midi', value: [1, 2, 3, 4] }, { type: 'color', value: { red: 1, green: 2, blue: 3, alpha: 4 } },
    ],
  },
].map((m) => bytesOf(m as OscPacketInput));

const TYPE_TAGS = 'ifsbhtdScrmTFNI[]' + 'xyz,\u0000';

class PacketFactory {
  constructor(private readonly rnd: TestRandom) {}

  private pick<T>(items: readonly T[]): T {
    return items[this.rnd.int(0, items.length - 1)]!;
  }

  private randomBytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.rnd.int(0, 255);
    return b;
  }

  private randomText(n: number): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789/._-éλ€';
    let s = '';
    for (let i = 0; i < n; i++) s += chars[this.rnd.int(0, chars.length - 1)];
    return s;
  }

  private flip(seed: Buffer): Buffer {
    const b = Buffer.from(seed);
    const n = this.rnd.int(1, 8);
    for (let i = 0; i < n; i++) {
      const at = this.rnd.int(0, b.length - 1);
      b[at] = this.rnd.next() < 0.5 ? b[at]! ^ (1 << this.rnd.int(0, 7)) : this.rnd.int(0, 255);
    }
    return b;
  }

  private truncate(seed: Buffer): Buffer {
    return seed.subarray(0, this.rnd.int(0, seed.length - 1));
  }

  private randomTypeTags(): Buffer {
    const address = (fromBuffer(this.pick(SEEDS)) as { address: string }).address;
    let tags = ',';
    for (let i = this.rnd.int(0, 8); i > 0; i--) tags += TYPE_TAGS[this.rnd.int(0, TYPE_TAGS.length - 1)];
    return Buffer.concat([oscString(address), oscString(tags), this.randomBytes(this.rnd.int(0, 40))]);
  }

  private huge(): Buffer {
    const n = this.rnd.int(1000, 8000);
    switch (this.rnd.int(0, 3)) {
      case 0: return bytesOf({ address: `/${this.randomText(n)}`, args: [] });
      case 1: return bytesOf({ address: '/patch/set', args: [this.randomText(n), 'gain', 0.5] });
      case 2: return bytesOf({ address: '/patch/create', args: [this.randomText(n), this.randomText(n)] });
      default: return bytesOf({ address: '/sync', args: [{ type: 'blob', value: this.randomBytes(n) }] });
    }
  }

  private timetag(): Buffer {
    switch (this.rnd.int(0, 3)) {
      case 0: return Buffer.concat([int32(0), int32(1)]); // immediately
      case 1: return bytesOf({ timetag: [0, 0], elements: [] }).subarray(8, 16);
      case 2: return bytesOf({ timetag: new Date(Date.now() - 60000), elements: [] }).subarray(8, 16);
      default: return this.randomBytes(8);
    }
  }

  /** A bundle, possibly nested, whose elements may be garbage and whose sizes may lie. */
  private bundle(depth: number): Buffer {
    const parts: Buffer[] = [Buffer.from('#bundle\0', 'latin1'), this.timetag()];
    for (let n = this.rnd.int(0, 4); n > 0; n--) {
      const r = this.rnd.next();
      const element = r < 0.3 ? this.pick(SEEDS)
        : r < 0.5 ? this.flip(this.pick(SEEDS))
        : r < 0.7 && depth < 8 ? this.bundle(depth + 1)
        : r < 0.85 ? this.randomTypeTags()
        : this.randomBytes(this.rnd.int(0, 64));
      const lie = this.rnd.next();
      const size = lie < 0.8 ? element.length : lie < 0.9 ? element.length + this.rnd.int(-8, 8) : this.pick([0x7fffffff, -1, -4096, 3]);
      parts.push(int32(size), element);
    }
    return Buffer.concat(parts);
  }

  next(): Buffer {
    const r = this.rnd.next();
    if (r < 0.10) return this.pick(SEEDS);
    if (r < 0.35) return this.flip(this.pick(SEEDS));
    if (r < 0.50) return this.truncate(this.pick(SEEDS));
    if (r < 0.62) return this.randomTypeTags();
    if (r < 0.65) return this.huge();
    if (r < 0.67) return Buffer.alloc(0);
    if (r < 0.77) {
      const prefix = this.pick([Buffer.alloc(0), Buffer.from('/'), Buffer.from('#bundle\0', 'latin1'), Buffer.from('/mod/sine1/freq\0,')]);
      return Buffer.concat([prefix, this.randomBytes(this.rnd.int(1, 512))]);
    }
    if (r < 0.85) return Buffer.concat([this.pick(SEEDS), this.randomBytes(this.rnd.int(1, 32))]);
    return this.bundle(0);
  }
}

/** What the server's decoder makes of a packet (undefined: malformed). Same code as the server. */
function decode(bytes: Buffer): IncomingMessage[] | undefined {
  try {
    return flattenPacket(fromBuffer(bytes));
  } catch {
    return undefined;
  }
}

const MODULE_COMMAND = /^\/(mod|gate)\/|^\/module\/reset$/;

/**
 * Packets the fuzzer must not send, because they would end the run rather than test it:
 * - /quit and /record/start (shutdown is tested elsewhere; a recording would outlive the run);
 * - module commands timed in the future: /sync waits for every command sent before it, and a
 *   random timetag may lie decades ahead.
 *   BUG reported: there is no scheduling horizon, so one such bundle blocks /sync for every
 *   client (server.ts lastCommandFrame); standard NTP timetags are read as 70 years ahead.
 * - strings holding NUL (an OSC char argument 0).
 *   BUG reported: echoing one in a reply throws in encodeMessage inside dispatch and the
 *   unhandled rejection kills the server process.
 */
type Exclusion = 'quit/record' | 'timed' | 'nul';

function exclusion(messages: readonly IncomingMessage[]): Exclusion | undefined {
  const now = Date.now();
  for (const m of messages) {
    if (m.address === '/quit' || m.address === '/record/start') return 'quit/record';
    if (m.timeMs !== undefined && m.timeMs > now - 1000 && MODULE_COMMAND.test(m.address)) return 'timed';
    if (m.args.some((a) => typeof a === 'string' && a.includes('\u0000'))) return 'nul';
  }
  return undefined;
}

/** Packets generated but not sent, by reason (reported as test diagnostics). */
const skipped: Record<Exclusion, number> = { 'quit/record': 0, timed: 0, nul: 0 };

interface Fuzzed {
  readonly bytes: Buffer;
  readonly malformed: boolean;
}

function fuzzedPacket(factory: PacketFactory): Fuzzed {
  for (;;) {
    const bytes = factory.next();
    const messages = decode(bytes);
    if (messages === undefined) return { bytes, malformed: true };
    const reason = exclusion(messages);
    if (reason === undefined) return { bytes, malformed: false };
    skipped[reason]++;
  }
}

async function transportCounters(client: OscClient): Promise<{ packets: number; malformed: number }> {
  const status = await engineStatus(client);
  return status['control']['transport'] as { packets: number; malformed: number };
}

// ------------------------------------------------------------------ UDP

test(`UDP: ${UDP_PACKETS} random and mutated packets, interleaved valid commands all answered`, { timeout: 60000 }, async (t) => {
  const factory = new PacketFactory(new TestRandom(SEED));
  const fuzzer = server.newClient();
  const clean = server.newClient();
  const before = await transportCounters(fuzzer);

  let sent = 0;
  let malformed = 0;
  let syncs = 0;
  let sets = 0;
  const internal: string[] = [];
  for (let i = 1; i <= UDP_PACKETS; i++) {
    if (i % BATCH === 0) {
      // A valid command on the fuzzing client's own socket: it must be answered.
      const id = 1_000_000 + i;
      const synced = fuzzer.next((m) => m.address === '/synced' && m.args[0] === id, 10000);
      await fuzzer.send('/sync', id);
      syncs++;
      await synced;
      // Replies to garbage are not examined, except internal errors (a handler threw).
      for (const m of fuzzer.drain()) if (m.address === '/fail' && m.args[1] === 'E_INTERNAL') internal.push(`${String(m.args[0])}: ${String(m.args[2])}`);
    } else if (i % BATCH === BATCH / 2) {
      // A valid staged edit from a well-behaved client while the garbage flows.
      await clean.send('/patch/set', 'sine1', 'gain', 0.1 + (i % 7) / 100);
      sets++;
    } else {
      const packet = fuzzedPacket(factory);
      await fuzzer.sendRaw(packet.bytes);
      sent++;
      if (packet.malformed) malformed++;
    }
  }

  // Every /patch/set was answered (/done, or /fail if the fuzz removed sine1 from the staged
  // patch): its replies all precede the /synced of the clean client's own /sync.
  const final = await clean.request('/sync', ['end'], 10000);
  assert.equal(final.address, '/synced');
  const answers = clean.drain().filter((m) => m.args[0] === '/patch/set');
  assert.equal(answers.length, sets, 'a /patch/set went unanswered');
  for (const m of answers) assert.ok(m.address === '/done' || (m.address === '/fail' && m.args[1] === 'E_UNKNOWN_MODULE'), `${m.address} ${JSON.stringify(m.args)}`);

  const status = await engineStatus(fuzzer);
  const transport = status['control']['transport'] as { packets: number; malformed: number };
  t.diagnostic(`sent ${sent} fuzz packets (${malformed} undecodable), ${syncs} /sync, ${sets} /patch/set; not sent: ${JSON.stringify(skipped)}`);
  const notSent = skipped['quit/record'] + skipped.timed + skipped.nul;
  assert.ok(notSent < sent / 20, `the exclusions hide too much: ${JSON.stringify(skipped)}`);
  assert.ok(malformed > UDP_PACKETS / 4, `the generator should produce mostly undecodable packets, got ${malformed}`);
  assert.ok(sent - malformed > UDP_PACKETS / 10, `and a fair share of decodable ones, got ${sent - malformed}`);
  // packets: the fuzz, the syncs, the sets, the clean /sync and this status request; the status
  // request that took `before` counted itself already.
  assert.equal(transport.packets - before.packets, sent + syncs + sets + 2, 'the server did not see every packet');
  assert.equal(transport.malformed - before.malformed, malformed, 'malformed packets miscounted');
  assert.deepEqual(internal, [], 'E_INTERNAL replies');
  assert.equal(status['control']['internalErrors'], 0, 'a handler threw');
  assert.equal(status['divergences'], 0, 'slots diverged');
  for (const slot of status['slotHealth'] as Array<Record<string, unknown>>) assert.equal(slot['alive'], true);
});

// ------------------------------------------------------------------ TCP

/** Length-prefixed OSC frames over one TCP connection. */
interface TcpConnection {
  write(bytes: Buffer): void;
  next(match: (m: IncomingMessage) => boolean): Promise<IncomingMessage>;
  /** Messages received and not yet taken by next(). */
  drain(): IncomingMessage[];
  close(): void;
}

async function openTcp(port: number): Promise<TcpConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  let pending = Buffer.alloc(0);
  const messages: IncomingMessage[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      messages.push(...(decode(pending.subarray(4, 4 + size)) ?? []));
      pending = pending.subarray(4 + size);
    }
    wake?.();
  });
  let closed = false;
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  return {
    write: (b) => void socket.write(b),
    async next(match) {
      const deadline = Date.now() + 10000;
      for (;;) {
        const i = messages.findIndex(match);
        if (i >= 0) return messages.splice(i, 1)[0]!;
        if (closed) throw new Error('the server closed the connection');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching TCP reply within 10 s');
        await new Promise<void>((w) => {
          const timer = setTimeout(w, left);
          wake = () => {
            clearTimeout(timer);
            w();
          };
        });
        wake = undefined;
      }
    },
    drain: () => messages.splice(0),
    close: () => socket.destroy(),
  };
}

function frame(packet: Buffer): Buffer {
  return Buffer.concat([int32(packet.length), packet]);
}

test(`TCP: ${TCP_FRAMES} framed garbage packets in random chunks, interleaved /sync all answered`, { timeout: 60000 }, async () => {
  const rnd = new TestRandom(SEED + 1);
  const factory = new PacketFactory(rnd);
  const before = await transportCounters(server.client);
  const tcp = await openTcp(server.port);
  try {
    let sent = 0;
    let malformed = 0;
    let syncs = 0;
    const internal: string[] = [];
    let stream: Buffer[] = [];
    for (let i = 1; i <= TCP_FRAMES; i++) {
      if (i % BATCH === 0) {
        stream.push(frame(encodeMessage('/sync', [`tcp ${i}`] as OscValue[])));
        syncs++;
        // The stream goes out in random chunk sizes, splitting frames anywhere.
        const bytes = Buffer.concat(stream);
        stream = [];
        for (let at = 0; at < bytes.length; ) {
          const n = Math.min(bytes.length - at, rnd.int(1, 700));
          tcp.write(bytes.subarray(at, at + n));
          at += n;
        }
        const synced = await tcp.next((m) => m.address === '/synced' && m.args[0] === `tcp ${i}`);
        assert.equal(synced.address, '/synced');
        // Replies to garbage (fuzzed /engine/status among them) are not examined, except
        // internal errors.
        for (const m of tcp.drain()) if (m.address === '/fail' && m.args[1] === 'E_INTERNAL') internal.push(`${String(m.args[0])}: ${String(m.args[2])}`);
      } else {
        const packet = fuzzedPacket(factory);
        stream.push(frame(packet.bytes));
        sent++;
        if (packet.malformed) malformed++;
      }
    }
    tcp.write(frame(encodeMessage('/engine/status', [])));
    const status = JSON.parse(String((await tcp.next((m) => m.address === '/engine/status.reply')).args[0])) as Record<string, any>;
    const transport = status['control']['transport'] as { packets: number; malformed: number };
    assert.ok(malformed > 0 && malformed < sent);
    assert.deepEqual(internal, [], 'E_INTERNAL replies');
    assert.equal(transport.packets - before.packets, sent + syncs + 1, 'the server did not see every frame');
    assert.equal(transport.malformed - before.malformed, malformed, 'malformed frames miscounted');
    assert.equal(status['control']['internalErrors'], 0, 'a handler threw');
  } finally {
    tcp.close();
  }
  // And UDP still works.
  assert.equal((await engineStatus(server.client))['port'], server.port);
});

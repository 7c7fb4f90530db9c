// A minimal OSC client over UDP: sends messages and collects replies. Used by `chronus send`,
// `chronus status`, tests and benchmarks.

import { createSocket, type Socket } from 'node:dgram';
import { fromBuffer, toBuffer, type OscArgInput } from 'osc-min';
import type { OscValue } from './command-table.js';
import { NTP_UNIX_OFFSET_S, encodeMessage, flattenPacket, type IncomingMessage } from './osc-transport.js';

export class OscClient {
  private readonly socket: Socket;
  private readonly received: IncomingMessage[] = [];
  private readonly waiting: Array<{ match: (m: IncomingMessage) => boolean; resolve: (m: IncomingMessage) => void }> = [];
  private ready: Promise<void>;

  constructor(readonly host = '127.0.0.1', readonly port = 5005) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (buf) => {
      let messages: IncomingMessage[];
      try {
        messages = flattenPacket(fromBuffer(buf));
      } catch {
        return;
      }
      for (const m of messages) {
        const i = this.waiting.findIndex((w) => w.match(m));
        if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
        else this.received.push(m);
      }
    });
    this.ready = new Promise((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
  }

  async send(address: string, ...args: OscValue[]): Promise<void> {
    await this.ready;
    const packet = encodeMessage(address, args);
    await new Promise<void>((resolve, reject) => this.socket.send(packet, this.port, this.host, (e) => (e ? reject(e) : resolve())));
  }

  /** Sends raw bytes (fuzz tests). */
  async sendRaw(packet: Uint8Array): Promise<void> {
    await this.ready;
    await new Promise<void>((resolve, reject) => this.socket.send(packet, this.port, this.host, (e) => (e ? reject(e) : resolve())));
  }

  /** Sends a bundle whose timetag is the Unix time `unixMs` (elements: [address, args]). */
  async sendBundle(unixMs: number, elements: ReadonlyArray<readonly [string, readonly OscValue[]]>): Promise<void> {
    await this.ready;
    // NTP timetag: seconds since 1900 and a 32-bit fraction.
    const unixSeconds = Math.floor(unixMs / 1000);
    const seconds = unixSeconds + NTP_UNIX_OFFSET_S;
    const fraction = Math.round((unixMs / 1000 - unixSeconds) * 4294967296);
    const view = toBuffer({
      timetag: [seconds, Math.min(fraction, 4294967295)],
      elements: elements.map(([address, args]) => ({ address, args: args.map((a) => a as OscArgInput) })),
    });
    await this.sendRaw(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }

  /** Resolves with the first (queued or future) message that matches, or rejects after `timeoutMs`. */
  next(match: (m: IncomingMessage) => boolean = () => true, timeoutMs = 2000): Promise<IncomingMessage> {
    const i = this.received.findIndex(match);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const entry = {
        match,
        resolve: (m: IncomingMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        const k = this.waiting.indexOf(entry);
        if (k >= 0) this.waiting.splice(k, 1);
        reject(new Error(`no matching reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }

  /** Sends a command and waits for its /done, /fail or reply-address answer. */
  async request(address: string, args: OscValue[] = [], timeoutMs = 2000): Promise<IncomingMessage> {
    const replyAddresses: Record<string, string> = { '/engine/status': '/engine/status.reply', '/sync': '/synced' };
    const expected = replyAddresses[address];
    const reply = this.next(
      (m) => ((m.address === '/done' || m.address === '/fail') && m.args[0] === address) || (expected !== undefined && m.address === expected),
      timeoutMs,
    );
    await this.send(address, ...args);
    return reply;
  }

  /** Queued messages not claimed by a waiter. */
  drain(): IncomingMessage[] {
    return this.received.splice(0);
  }

  close(): void {
    this.socket.close();
  }
}

/** Command-line argument to OSC value: numbers, true/false, else strings. */
export function parseCliArg(text: string): OscValue {
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

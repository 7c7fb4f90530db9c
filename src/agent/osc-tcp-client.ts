// An OSC client over TCP (length-prefixed frames, as the server speaks them): replies of any
// size (a big /patch/get or /state/get does not fit a UDP datagram), in order, on one
// connection. Requests wait for their /done, /fail or reply-address answer; notifications and
// unclaimed messages are dropped. Used by `chronus mcp`.
//
// Threading: main thread of the MCP process; allocates.

import { connect, type Socket } from 'node:net';
import { fromBuffer, toBuffer, type OscArgInput } from 'osc-min';
import type { OscValue } from '../control/command-table.js';
import { NTP_UNIX_OFFSET_S, encodeMessage, flattenPacket, type IncomingMessage } from '../control/osc-transport.js';

/** Commands answered at their own address instead of /done and /fail. */
const REPLY_ADDRESSES: Readonly<Record<string, string>> = { '/engine/status': '/engine/status.reply', '/sync': '/synced' };

export class ConnectionError extends Error {}

interface Waiter {
  readonly match: (m: IncomingMessage) => boolean;
  readonly resolve: (m: IncomingMessage) => void;
  readonly reject: (e: Error) => void;
}

export class OscTcpClient {
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiting: Waiter[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket, readonly host: string, readonly port: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new ConnectionError(`the connection to ${host}:${port} closed`)));
    socket.on('error', (error) => this.fail(new ConnectionError(`${host}:${port}: ${error.message}`)));
  }

  /** Connects, or rejects after `timeoutMs` (the server is not running, or not there). */
  static connect(host: string, port: number, timeoutMs = 3000): Promise<OscTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError(`no Chronus server answered on ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new OscTcpClient(socket, host, port));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new ConnectionError(`cannot reach a Chronus server on ${host}:${port}: ${error.message}`));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a command (in a bundle timetagged `atUnixMs` when given) and waits for its answer. */
  request(address: string, args: readonly OscValue[] = [], options: { timeoutMs?: number; atUnixMs?: number } = {}): Promise<IncomingMessage> {
    const expected = REPLY_ADDRESSES[address];
    const reply = this.next(
      (m) => ((m.address === '/done' || m.address === '/fail') && m.args[0] === address) || (expected !== undefined && m.address === expected),
      options.timeoutMs ?? 5000,
      address,
    );
    this.write(options.atUnixMs === undefined ? encodeMessage(address, args) : bundle(options.atUnixMs, address, args));
    return reply;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private next(match: (m: IncomingMessage) => boolean, timeoutMs: number, address: string): Promise<IncomingMessage> {
    if (this.closed) return Promise.reject(new ConnectionError(`the connection to ${this.host}:${this.port} is closed`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new ConnectionError(`no answer to ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }

  private write(packet: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeInt32BE(packet.length, 0);
    this.socket.write(Buffer.concat([header, packet]));
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + size) return;
      const packet = this.pending.subarray(4, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      let messages: IncomingMessage[];
      try {
        messages = flattenPacket(fromBuffer(packet));
      } catch {
        continue;
      }
      for (const m of messages) {
        const i = this.waiting.findIndex((w) => w.match(m));
        if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
      }
    }
  }

  private fail(error: Error): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

function bundle(unixMs: number, address: string, args: readonly OscValue[]): Buffer {
  const unixSeconds = Math.floor(unixMs / 1000);
  const fraction = Math.min(4294967295, Math.round((unixMs / 1000 - unixSeconds) * 4294967296));
  const view = toBuffer({
    timetag: [unixSeconds + NTP_UNIX_OFFSET_S, fraction],
    elements: [{ address, args: args.map((a) => a as OscArgInput) }],
  });
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

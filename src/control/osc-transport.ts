// OSC over UDP and over TCP (each packet prefixed by its length as a big-endian int32, the
// framing liblo and SuperCollider use). Decoding uses osc-min; transports are ours. Malformed,
// truncated or oversized packets are counted and answered with /fail where the sender can be
// answered; nothing a client sends can stop the server.
//
// Threading: main thread.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { fromBuffer, toBuffer, type OscArgInput, type OscPacketOutput } from 'osc-min';
import type { OscValue } from './command-table.js';

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_S = 2208988800;

/** Largest TCP frame accepted (a patch JSON fits many times over). */
export const MAX_TCP_FRAME = 1 << 20;
/**
 * Largest reply sent over UDP: an IPv4 datagram's payload limit (65,535 − 8 − 20). A longer
 * reply (a big patch's /patch/get, /engine/status of a thousand-module patch) cannot travel as
 * one datagram, so the client gets `/fail <command> E_REPLY_TOO_BIG` instead (over TCP, same
 * port, replies go up to MAX_TCP_FRAME).
 */
export const MAX_UDP_REPLY = 65507;

export interface TransportCounters {
  packets: number;
  malformed: number;
  oversized: number;
  refused: number;
}

/** One decoded message with the timetag of the bundle it came in (undefined: immediately). */
export interface IncomingMessage {
  readonly address: string;
  readonly args: OscValue[];
  /** Unix time in ms from the enclosing bundle's timetag; undefined for "immediately". */
  readonly timeMs: number | undefined;
}

export type PacketHandler = (messages: IncomingMessage[], client: string, reply: (address: string, args: readonly OscValue[]) => void) => void;

/** Flattens a packet (bundles may nest) into messages with their timetags. */
export function flattenPacket(packet: OscPacketOutput, timeMs: number | undefined = undefined, out: IncomingMessage[] = []): IncomingMessage[] {
  if (packet.oscType === 'message') {
    out.push({ address: packet.address, args: packet.args.map(argValue), timeMs });
  } else {
    const [seconds, fraction] = packet.timetag;
    // Timetag (0, 1) means "immediately" (OSC 1.0). Otherwise NTP time: seconds since 1900.
    const t = seconds === 0 && fraction === 1 ? timeMs : (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 4294967296) * 1000;
    for (const element of packet.elements) flattenPacket(element, t, out);
  }
  return out;
}

function argValue(arg: { type: string; value?: unknown }): OscValue {
  switch (arg.type) {
    case 'integer':
    case 'float':
    case 'double':
      return arg.value as number;
    case 'bigint':
      return Number(arg.value);
    case 'string':
    case 'character':
      return arg.value as string;
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      return null;
  }
}

/** Encodes a reply; integers as OSC int32 where they fit, other numbers as float32/double. */
export function encodeMessage(address: string, args: readonly OscValue[]): Buffer {
  const oscArgs: OscArgInput[] = args.map((a): OscArgInput => {
    if (typeof a === 'number') {
      if (Number.isInteger(a) && Math.abs(a) < 2 ** 31) return { type: 'integer', value: a };
      return { type: 'double', value: a };
    }
    if (a === null) return null;
    return a;
  });
  const view = toBuffer({ address, args: oscArgs });
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

export class OscTransport {
  readonly counters: TransportCounters = { packets: 0, malformed: 0, oversized: 0, refused: 0 };
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private readonly tcpClients = new Set<TcpSocket>();

  constructor(
    private readonly handler: PacketHandler,
    private readonly allowed: (address: string) => boolean = () => true,
  ) {}

  /** Binds UDP and TCP on the same port. Resolves with the bound port (useful with port 0). */
  async listen(host: string, port: number): Promise<number> {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.udp = udp;
    udp.on('message', (buf, rinfo) => this.onUdp(buf, rinfo));
    // A bind error (busy port) rejects listen; the caller reports it. Later errors are logged.
    await new Promise<void>((resolve, reject) => {
      udp.once('error', (error) => {
        this.udp = undefined;
        try {
          udp.close();
        } catch {
          // Never bound: nothing to close.
        }
        reject(error);
      });
      udp.bind(port, host, () => {
        udp.removeAllListeners('error');
        resolve();
      });
    });
    udp.on('error', (error) => process.stderr.write(`chronus: UDP error: ${error.message}\n`));
    try {
      // Room for bursts while the main thread is busy (the kernel may cap it at rmem_max).
      udp.setRecvBufferSize(8 << 20);
    } catch {
      // Not fatal: the default buffer still works at moderate rates.
    }
    const bound = udp.address().port;
    const tcp = createServer((socket) => this.onTcpConnection(socket));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(bound, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    return bound;
  }

  /** Sends a message to a client id as produced by this transport (`udp:host:port` or `tcp:n`). */
  send(client: string, address: string, args: readonly OscValue[]): void {
    let packet = encodeMessage(address, args);
    if (client.startsWith('udp:')) {
      if (packet.length > MAX_UDP_REPLY) {
        // `/done <command> ...` names its command; `<command>.reply` replies are named by it.
        const command = address === '/done' && typeof args[0] === 'string' ? args[0] : address.replace(/\.reply$/, '');
        packet = encodeMessage('/fail', [command, 'E_REPLY_TOO_BIG', `the reply (${packet.length} bytes) does not fit a UDP datagram (${MAX_UDP_REPLY}); send the command over TCP (same port)`]);
      }
      const at = client.lastIndexOf(':');
      this.udp?.send(packet, Number(client.slice(at + 1)), client.slice(4, at));
    } else {
      const socket = [...this.tcpClients].find((s) => tcpId(s) === client);
      if (socket !== undefined) writeFrame(socket, packet);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.tcpClients) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp === undefined ? resolve() : this.udp.close(() => resolve()))),
      new Promise<void>((resolve) => (this.tcp === undefined ? resolve() : this.tcp.close(() => resolve()))),
    ]);
  }

  private onUdp(buf: Buffer, rinfo: RemoteInfo): void {
    const client = `udp:${rinfo.address}:${rinfo.port}`;
    this.onPacket(buf, client, rinfo.address, (address, args) => this.send(client, address, args));
  }

  private onTcpConnection(socket: TcpSocket): void {
    this.tcpClients.add(socket);
    const client = tcpId(socket);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > MAX_TCP_FRAME) {
          this.counters.oversized++;
          writeFrame(socket, encodeMessage('/fail', ['?', 'E_OVERSIZE', `frame of ${size} bytes exceeds ${MAX_TCP_FRAME}`]));
          socket.end();
          return;
        }
        if (pending.length < 4 + size) break;
        const packet = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        this.onPacket(packet, client, socket.remoteAddress ?? '', (address, args) => writeFrame(socket, encodeMessage(address, args)));
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.tcpClients.delete(socket));
  }

  private onPacket(buf: Buffer, client: string, remote: string, reply: (address: string, args: readonly OscValue[]) => void): void {
    this.counters.packets++;
    if (!this.allowed(remote)) {
      this.counters.refused++;
      return;
    }
    let messages: IncomingMessage[];
    try {
      messages = flattenPacket(fromBuffer(buf));
    } catch (error) {
      this.counters.malformed++;
      reply('/fail', ['?', 'E_MALFORMED', `cannot decode OSC packet: ${(error as Error).message}`]);
      return;
    }
    this.handler(messages, client, reply);
  }
}

let nextTcpId = 1;
const tcpIds = new WeakMap<TcpSocket, string>();
function tcpId(socket: TcpSocket): string {
  let id = tcpIds.get(socket);
  if (id === undefined) {
    id = `tcp:${nextTcpId++}`;
    tcpIds.set(socket, id);
  }
  return id;
}

function writeFrame(socket: TcpSocket, packet: Buffer): void {
  const header = Buffer.alloc(4);
  header.writeInt32BE(packet.length, 0);
  socket.write(Buffer.concat([header, packet]));
}

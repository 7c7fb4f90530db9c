// /engine/status over OSC-over-TCP (length-prefixed packets): with a thousand modules the reply
// (it lists every module's cost) outgrows a UDP datagram, so big-patch benchmarks ask over TCP.
//
// Threading: main thread (benchmark client).

import { connect } from 'node:net';
import { fromBuffer, toBuffer } from 'osc-min';

/** Asks a server on 127.0.0.1:`port` for its status once; rejects after `timeoutMs`. */
export async function tcpStatus(port: number, timeoutMs = 10_000): Promise<Record<string, any>> {
  const socket = connect(port, '127.0.0.1');
  try {
    return await new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no /engine/status reply over TCP within ${timeoutMs} ms`)), timeoutMs);
      let pending = Buffer.alloc(0);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4) {
          const size = pending.readInt32BE(0);
          if (pending.length < 4 + size) return;
          const packet = fromBuffer(pending.subarray(4, 4 + size));
          pending = pending.subarray(4 + size);
          if (packet.oscType === 'message' && packet.address === '/engine/status.reply') {
            clearTimeout(timer);
            resolve(JSON.parse(String(packet.args[0]?.value)) as Record<string, any>);
          }
        }
      });
      socket.once('connect', () => {
        const view = toBuffer({ address: '/engine/status', args: [] });
        const body = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
        const header = Buffer.alloc(4);
        header.writeInt32BE(body.length, 0);
        socket.write(Buffer.concat([header, body]));
      });
    });
  } finally {
    socket.destroy();
  }
}

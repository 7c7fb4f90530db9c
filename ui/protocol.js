// The dashboard's WebSocket protocol, page side: decoding the binary audio frame (layout in
// src/dashboard/live-feed.ts) and a small connection that reconnects.

/** Byte 255 of a spectrum is 0 dBFS; each step is half a dB (SPECTRUM_FLOOR_DB = -127.5). */
export const SPECTRUM_FLOOR_DB = -127.5;

/** Decodes one binary frame (ArrayBuffer) into typed views. */
export function decodeFrame(buffer) {
  const view = new DataView(buffer);
  if (view.getUint8(0) !== 1) return undefined;
  const flags = view.getUint8(1);
  const scope = view.getUint32(4, true);
  const bins = view.getUint32(8, true);
  const tap = view.getUint32(12, true);
  const f = (k) => view.getFloat32(24 + 4 * k, true);
  let at = 56;
  const scopeL = new Int16Array(buffer, at, scope); at += 2 * scope;
  const scopeR = new Int16Array(buffer, at, scope); at += 2 * scope;
  const tapScope = tap > 0 ? new Int16Array(buffer, at, tap) : undefined; at += 2 * tap;
  const spectrum = new Uint8Array(buffer, at, bins); at += bins;
  const tapSpectrum = tap > 0 ? new Uint8Array(buffer, at, bins) : undefined;
  return {
    clipL: (flags & 1) !== 0, clipR: (flags & 2) !== 0,
    frame: view.getFloat64(16, true),
    peak: [f(0), f(1)], rms: [f(2), f(3)], lufs: f(4) <= -199 ? -Infinity : f(4), sampleRate: f(5),
    scopeL, scopeR, tapScope, spectrum, tapSpectrum,
  };
}

/** A WebSocket to the server that reconnects; `onMessage(kind, data)` gets 'frame' or JSON messages. */
export function connect(onMessage, onState) {
  let socket;
  let nextId = 1;
  const pending = new Map();
  const open = () => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => onState(true);
    socket.onclose = () => { onState(false); setTimeout(open, 1000); };
    socket.onmessage = (m) => {
      if (typeof m.data !== 'string') { onMessage({ type: 'frame', frame: decodeFrame(m.data) }); return; }
      const message = JSON.parse(m.data);
      if (message.type === 'reply' && pending.has(message.id)) pending.get(message.id)(message);
      onMessage(message);
    };
  };
  open();
  return {
    /** Sends an OSC-addressed command; resolves with its first reply. */
    command(address, args = []) {
      const id = nextId++;
      const done = new Promise((resolve) => pending.set(id, (r) => { pending.delete(id); resolve(r); }));
      if (socket.readyState === 1) socket.send(JSON.stringify({ type: 'cmd', id, address, args }));
      return done;
    },
    /** Fire and forget (sliders). */
    send(message) { if (socket.readyState === 1) socket.send(JSON.stringify(message)); },
  };
}

// WAV reader (chunk walker): PCM 16/24/32-bit and IEEE float 32/64, any channel count.
// Used by tests and tools; reads whole files (not for the audio path).

import { readFileSync } from 'node:fs';

export interface WavData {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly format: 'pcm' | 'float';
  /** One Float32Array per channel, scaled to [-1, 1). */
  readonly data: Float32Array[];
}

export function readWav(path: string): WavData {
  return parseWav(readFileSync(path));
}

export function parseWav(buf: Buffer): WavData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let dataStart = -1;
  let dataLength = 0;
  let o = 12;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      dataStart = body;
      dataLength = Math.min(size, buf.length - body);
      break;
    }
    o = body + size + (size & 1);
  }
  if (fmt === undefined) throw new Error('WAV has no fmt chunk');
  if (dataStart < 0) throw new Error('WAV has no data chunk');
  const isFloat = fmt.format === 3;
  if (!(fmt.format === 1 || isFloat)) throw new Error(`unsupported WAV format tag ${fmt.format}`);
  const bytes = fmt.bits / 8;
  const frames = Math.floor(dataLength / (bytes * fmt.channels));
  const data = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
  let p = dataStart;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < fmt.channels; c++) {
      let v: number;
      if (isFloat) v = bytes === 4 ? buf.readFloatLE(p) : buf.readDoubleLE(p);
      else if (bytes === 2) v = buf.readInt16LE(p) / 32768;
      else if (bytes === 3) v = buf.readIntLE(p, 3) / 8388608;
      else if (bytes === 4) v = buf.readInt32LE(p) / 2147483648;
      else throw new Error(`unsupported PCM width ${fmt.bits}`);
      data[c]![i] = v;
      p += bytes;
    }
  }
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: fmt.bits, format: isFloat ? 'float' : 'pcm', data };
}

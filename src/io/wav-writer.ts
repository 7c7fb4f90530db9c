// Streaming WAV writer (RIFF/WAVE, PCM s16 or IEEE float32, interleaved stereo or mono).
// Writes through a file descriptor so memory stays bounded however long the file gets.
// `flushHeader` rewrites the sizes so a file cut short (crash, kill) is still a valid WAV up
// to the last flushed block. Float files use an 18-byte fmt chunk plus a fact chunk, which
// soxi, ffprobe and common readers accept without warnings.
//
// Threading: whoever owns the file (output worker, offline renderer). `write` does not
// allocate: it converts into a preallocated byte buffer.

import { closeSync, openSync, writeSync } from 'node:fs';

export type SampleFormat = 's16' | 'f32';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;

export class WavWriter {
  readonly bytesPerSample: number;
  private readonly fd: number;
  private readonly headerBytes: number;
  private readonly scratch: Buffer;
  private dataBytes = 0;
  private closed = false;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: 1 | 2,
    readonly format: SampleFormat,
    /** Largest number of frames per `write` call. */
    readonly maxFrames: number,
  ) {
    this.bytesPerSample = format === 's16' ? 2 : 4;
    this.headerBytes = format === 's16' ? 44 : 58;
    this.scratch = Buffer.alloc(maxFrames * channels * this.bytesPerSample);
    this.fd = openSync(path, 'w');
    this.flushHeader();
  }

  get frames(): number {
    return this.dataBytes / (this.channels * this.bytesPerSample);
  }

  get bytes(): number {
    return this.headerBytes + this.dataBytes;
  }

  /** Appends `frames` frames from the channel arrays (right is ignored for mono). */
  write(left: Float32Array, right: Float32Array, frames: number): void {
    if (frames > this.maxFrames) throw new Error(`WavWriter.write: ${frames} frames > maxFrames ${this.maxFrames}`);
    const buf = this.scratch;
    const stereo = this.channels === 2;
    let o = 0;
    if (this.format === 's16') {
      for (let i = 0; i < frames; i++) {
        buf.writeInt16LE(toS16(left[i]!), o);
        o += 2;
        if (stereo) {
          buf.writeInt16LE(toS16(right[i]!), o);
          o += 2;
        }
      }
    } else {
      for (let i = 0; i < frames; i++) {
        buf.writeFloatLE(left[i]!, o);
        o += 4;
        if (stereo) {
          buf.writeFloatLE(right[i]!, o);
          o += 4;
        }
      }
    }
    writeSync(this.fd, buf, 0, o, this.headerBytes + this.dataBytes);
    this.dataBytes += o;
  }

  /** Rewrites the header with the current sizes. */
  flushHeader(): void {
    writeSync(this.fd, this.header(), 0, this.headerBytes, 0);
  }

  close(): void {
    if (this.closed) return;
    this.flushHeader();
    closeSync(this.fd);
    this.closed = true;
  }

  private header(): Buffer {
    const h = Buffer.alloc(this.headerBytes);
    const float = this.format === 'f32';
    const blockAlign = this.channels * this.bytesPerSample;
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(this.headerBytes - 8 + this.dataBytes, 4);
    h.write('WAVE', 8, 'ascii');
    h.write('fmt ', 12, 'ascii');
    h.writeUInt32LE(float ? 18 : 16, 16);
    h.writeUInt16LE(float ? FORMAT_FLOAT : FORMAT_PCM, 20);
    h.writeUInt16LE(this.channels, 22);
    h.writeUInt32LE(this.sampleRate, 24);
    h.writeUInt32LE(this.sampleRate * blockAlign, 28);
    h.writeUInt16LE(blockAlign, 32);
    h.writeUInt16LE(this.bytesPerSample * 8, 34);
    let o = 36;
    if (float) {
      h.writeUInt16LE(0, 36); // cbSize
      h.write('fact', 38, 'ascii');
      h.writeUInt32LE(4, 42);
      h.writeUInt32LE(this.dataBytes / blockAlign, 46);
      o = 50;
    }
    h.write('data', o, 'ascii');
    h.writeUInt32LE(this.dataBytes, o + 4);
    return h;
  }
}

/** Float sample to 16-bit: clamped, rounded to nearest (deterministic, no dither). */
export function toS16(x: number): number {
  const v = Math.round(x * 32767);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v !== v ? 0 : v;
}

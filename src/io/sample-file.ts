// Sample files for `/buffer/load`: WAV (PCM 16/24/32-bit integer, IEEE float 32/64) and FLAC
// (through @wasm-audio-decoders/flac: a maintained decoder, libFLAC compiled to WebAssembly and
// shipped inside the npm package, no native build), mono or stereo, any sample rate; resampled
// to the engine's rate (resample.ts) into a SharedArrayBuffer every slot worker can see.
// Problems are SampleFileErrors with stable codes; nothing is half-loaded.
//
// Threading: a loader worker (sample-loader.ts) or start-up; allocates; never the audio path.

import { createHash } from 'node:crypto';
import { parseWav } from './wav-reader.js';
import { resample } from './resample.js';

/** Longest buffer, in seconds at the engine rate (a stereo 48 kHz buffer of this length is 44 MiB). */
export const MAX_BUFFER_SECONDS = 120;

export const SAMPLE_ERROR_CODES = {
  E_NOT_FOUND: 'The sample file does not exist under <data-dir>/samples/ (or cannot be read).',
  E_UNSUPPORTED_FORMAT: 'Not a WAV (PCM 16/24/32-bit, float 32/64) or FLAC file, or more than 2 channels.',
  E_TRUNCATED: 'The file ends before the audio data it declares (or the FLAC stream is damaged).',
  E_TOO_LONG: `Longer than ${MAX_BUFFER_SECONDS} s.`,
  E_HASH_MISMATCH: 'On a restart: the file differs from the one that was loaded (its SHA-256 changed).',
} as const;

export type SampleErrorCode = keyof typeof SAMPLE_ERROR_CODES;

export class SampleFileError extends Error {
  constructor(readonly code: SampleErrorCode, message: string) {
    super(message);
  }
}

export interface DecodedSample {
  /** SHA-256 of the file's bytes, hex. */
  readonly hash: string;
  readonly sourceRate: number;
  readonly frames: number;
  readonly channels: 1 | 2;
  /** Planar float32 at the target rate: left, then right when stereo. */
  readonly data: SharedArrayBuffer;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decodes a file's bytes and resamples them to `rate`. Throws SampleFileError. */
export async function decodeSample(bytes: Uint8Array, rate: number): Promise<DecodedSample> {
  const hash = sha256(bytes);
  const decoded = isFlac(bytes) ? await decodeFlac(bytes) : decodeWav(bytes);
  if (decoded.channels.length < 1 || decoded.channels.length > 2) {
    throw new SampleFileError('E_UNSUPPORTED_FORMAT', `${decoded.channels.length} channels (mono or stereo only)`);
  }
  const seconds = decoded.channels[0]!.length / decoded.sampleRate;
  if (seconds > MAX_BUFFER_SECONDS) throw new SampleFileError('E_TOO_LONG', `${seconds.toFixed(1)} s is longer than ${MAX_BUFFER_SECONDS} s`);
  const converted = decoded.channels.map((c) => resample(c, decoded.sampleRate, rate));
  const frames = converted[0]!.length;
  const data = new SharedArrayBuffer(frames * 4 * converted.length);
  converted.forEach((c, k) => new Float32Array(data, k * frames * 4, frames).set(c));
  return { hash, sourceRate: decoded.sampleRate, frames, channels: converted.length as 1 | 2, data };
}

function isFlac(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 && bytes[3] === 0x43; // 'fLaC'
}

interface Channels {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
}

/** WAV: the chunk walk checked strictly first (format, declared sizes), then read by parseWav. */
function decodeWav(bytes: Uint8Array): Channels {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new SampleFileError('E_UNSUPPORTED_FORMAT', 'not a RIFF/WAVE or FLAC file');
  }
  let o = 12;
  let format = -1;
  let channels = 0;
  let bits = 0;
  let sampleRate = 0;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) throw new SampleFileError('E_TRUNCATED', 'the fmt chunk is cut short');
      format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (format < 0) throw new SampleFileError('E_UNSUPPORTED_FORMAT', 'the data chunk comes before the fmt chunk');
      const supported = (format === 1 && (bits === 16 || bits === 24 || bits === 32)) || (format === 3 && (bits === 32 || bits === 64));
      if (!supported) throw new SampleFileError('E_UNSUPPORTED_FORMAT', `WAV format tag ${format} with ${bits}-bit samples (PCM 16/24/32, float 32/64 only)`);
      if (channels < 1 || channels > 2) throw new SampleFileError('E_UNSUPPORTED_FORMAT', `${channels} channels (mono or stereo only)`);
      if (!(sampleRate >= 1000 && sampleRate <= 768000)) throw new SampleFileError('E_UNSUPPORTED_FORMAT', `sample rate ${sampleRate} Hz`);
      if (body + size > buf.length) throw new SampleFileError('E_TRUNCATED', `the data chunk declares ${size} bytes, the file holds ${buf.length - body}`);
      const wav = parseWav(buf);
      return { sampleRate, channels: wav.data };
    }
    o = body + size + (size & 1);
  }
  throw new SampleFileError(format < 0 ? 'E_UNSUPPORTED_FORMAT' : 'E_TRUNCATED', format < 0 ? 'no fmt chunk' : 'no data chunk');
}

async function decodeFlac(bytes: Uint8Array): Promise<Channels> {
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const decoder = new FLACDecoder();
  try {
    await decoder.ready;
    const decoded = await decoder.decodeFile(bytes);
    if (decoded.errors.length > 0 || decoded.samplesDecoded === 0) {
      throw new SampleFileError('E_TRUNCATED', `FLAC stream damaged: ${decoded.errors[0]?.message ?? 'no audio decoded'}`);
    }
    const expected = flacTotalSamples(bytes);
    if (expected > 0 && decoded.samplesDecoded < expected) {
      throw new SampleFileError('E_TRUNCATED', `FLAC stream ends after ${decoded.samplesDecoded} of ${expected} frames`);
    }
    return { sampleRate: decoded.sampleRate, channels: decoded.channelData.map((c) => c.subarray(0, decoded.samplesDecoded)) };
  } finally {
    decoder.free();
  }
}

/** STREAMINFO's total samples per channel (0 when unknown). FLAC format spec, METADATA_BLOCK_STREAMINFO. */
function flacTotalSamples(bytes: Uint8Array): number {
  // 'fLaC', block header (4 bytes), then STREAMINFO: total samples are 36 bits at byte offset 13..17 of the block.
  if (bytes.length < 8 + 18) return 0;
  const b = 8;
  return (bytes[b + 13]! & 0x0f) * 2 ** 32 + ((bytes[b + 14]! << 24) >>> 0) + (bytes[b + 15]! << 16) + (bytes[b + 16]! << 8) + bytes[b + 17]!;
}

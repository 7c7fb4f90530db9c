// A sample buffer as kernels see it: audio at the engine's rate, one Float32Array per side (a
// mono buffer has the same array on both sides). In the live server the arrays are views of a
// SharedArrayBuffer that every slot worker sees (src/runtime/sample-buffers.ts), never copied
// per block. A kernel receives a buffer through Kernel.bindBuffer when a patch is applied
// (between blocks), never on the per-block path.

export interface SampleBuffer {
  /** The name the buffer was loaded under (`/buffer/load <name> <file>`). */
  readonly name: string;
  /** Frames per side. */
  readonly frames: number;
  /** 1 (mono: `left === right`) or 2. */
  readonly channels: 1 | 2;
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/** A buffer over planar float32 data (`channels` × `frames` values) in `data`. */
export function sampleBufferOver(name: string, data: SharedArrayBuffer | ArrayBuffer, frames: number, channels: 1 | 2): SampleBuffer {
  const left = new Float32Array(data, 0, frames);
  const right = channels === 2 ? new Float32Array(data, frames * 4, frames) : left;
  return { name, frames, channels, left, right };
}

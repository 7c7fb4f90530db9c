// Sample buffers across threads. The main thread decodes a file (src/io/sample-file.ts, in a
// loader worker) into a SharedArrayBuffer; every slot worker receives that same memory (in its
// adoption message, or a `buffer` message on its port before the ring command that names it)
// and the engine binds kernels to views of it: no copy per block, one copy per process.
// A buffer becomes usable through an engine command in the command ring (CMD_BUFFER: load or
// free by name), so its frame is decided like any command's and every slot sees it from the
// same frame. The journal and the state folder keep only BufferMeta (file name + content hash):
// a restarted server decodes the file again and checks the hash.
//
// Threading: types and small helpers, any thread.

import { sampleBufferOver, type SampleBuffer } from '../dsp/sample-buffer.js';

/** What the journal, snapshots and the state folder hold about a buffer (plain data). */
export interface BufferMeta {
  /** Process-wide id of the decoded data (which SharedArrayBuffer). */
  readonly id: number;
  readonly name: string;
  /** File name under `<data-dir>/samples/`. */
  readonly file: string;
  /** SHA-256 of the file's bytes (hex). */
  readonly hash: string;
  /** Frames at the engine rate (after resampling). */
  readonly frames: number;
  readonly channels: 1 | 2;
  /** The file's own sample rate. */
  readonly sourceRate: number;
}

/** A buffer command's payload: a load makes `meta` usable under its name; a free drops the name. */
export type BufferOp = { readonly op: 'load'; readonly meta: BufferMeta } | { readonly op: 'free'; readonly name: string };

/** Decoded data and its description: what travels to slot workers (the memory is shared, not copied). */
export interface SharedSample {
  readonly meta: BufferMeta;
  /** Planar float32: left then right (mono: one channel). */
  readonly data: SharedArrayBuffer;
}

/** Where a host finds the data of a buffer id (undefined: not available, e.g. a missing file after a restart). */
export interface BufferSource {
  get(id: number): SampleBuffer | undefined;
}

/** The kernel-side view of a shared sample. */
export function viewSample(sample: SharedSample): SampleBuffer {
  return sampleBufferOver(sample.meta.name, sample.data, sample.meta.frames, sample.meta.channels);
}

/** A source over shared samples by id (views made once per id). */
export class SampleTable implements BufferSource {
  private readonly views = new Map<number, SampleBuffer>();

  constructor(private readonly onMiss?: () => void) {}

  add(sample: SharedSample): void {
    if (!this.views.has(sample.meta.id)) this.views.set(sample.meta.id, viewSample(sample));
  }

  delete(id: number): void {
    this.views.delete(id);
  }

  get(id: number): SampleBuffer | undefined {
    let view = this.views.get(id);
    if (view === undefined && this.onMiss !== undefined) {
      // A slot: the data message was posted before the ring record; it is in the port's queue.
      this.onMiss();
      view = this.views.get(id);
    }
    return view;
  }
}

// The output history: a bounded ring, in its own SharedArrayBuffer, of the last seconds of what
// the sink played (the master, block by block, exactly as the output worker handed it to the
// sink). The output worker writes it (OutputHistoryWriter, allocation-free, never waits for a
// reader); any thread reads it (OutputHistory.readLast: "the last N seconds of what the sink
// played"). A slow reader loses nothing but old blocks: the writer overwrites the oldest
// position and never looks at readers. The dashboard's meters and scopes read it; so can any
// live analysis (loudness, spectrum) of what was actually played.
//
// Layout: Int32 header (HEAD_NEXT: the index of the next block the writer will write; HEAD_FILLED:
// blocks written, up to the ring's length), Int32 stamps (per ring position, the block index it holds; stored last), Float32 samples
// (position p at p · 2 · blockSize: left then right).
//
// Threading: one writer (the output worker), any number of readers. A reader validates every
// block it copied against its stamp after the copy (a seqlock per block), so a block the writer
// overwrote meanwhile is dropped, never returned torn.

/** Header fields (Int32). */
const HEAD_NEXT = 0;
/** Blocks written so far, saturating at the ring's length (stamps are meaningless beyond it). */
const HEAD_FILLED = 1;
const HEAD_FIELDS = 2;

export interface OutputHistoryConfig {
  readonly sampleRate: number;
  readonly blockSize: number;
  /** Blocks kept: a power of two. */
  readonly blocks: number;
}

/** The default history length, seconds (rounded up to a power-of-two number of blocks). */
export const DEFAULT_HISTORY_SECONDS = 10;

/** Blocks for at least `seconds` of history (a power of two). */
export function historyBlocks(sampleRate: number, blockSize: number, seconds = DEFAULT_HISTORY_SECONDS): number {
  return 1 << Math.ceil(Math.log2(Math.max(2, (seconds * sampleRate) / blockSize)));
}

interface Views {
  readonly head: Int32Array;
  readonly stamps: Int32Array;
  readonly samples: Float32Array;
}

function carve(config: OutputHistoryConfig, buffer: SharedArrayBuffer): Views {
  const stampsAt = HEAD_FIELDS * 4;
  const samplesAt = stampsAt + config.blocks * 4;
  return {
    head: new Int32Array(buffer, 0, HEAD_FIELDS),
    stamps: new Int32Array(buffer, stampsAt, config.blocks),
    samples: new Float32Array(buffer, samplesAt, config.blocks * 2 * config.blockSize),
  };
}

function bytesFor(config: OutputHistoryConfig): number {
  return (HEAD_FIELDS + config.blocks) * 4 + config.blocks * 2 * config.blockSize * 4;
}

/** What `readLast` copied. */
export interface HistoryRead {
  /** Frames copied into the start of the output arrays (whole blocks, oldest first). */
  readonly frames: number;
  /** Block index just after the last block copied (its first frame = endBlock · blockSize): where the sink's play position was. */
  readonly endBlock: number;
}

/**
 * The reading side (and owner) of an output history. `create` allocates the shared buffer
 * (supervisor); `attach` opens an existing one (workers, or a reader elsewhere).
 */
export class OutputHistory {
  private readonly views: Views;

  private constructor(readonly config: OutputHistoryConfig, readonly buffer: SharedArrayBuffer) {
    if (!(Number.isInteger(config.blocks) && config.blocks > 1 && (config.blocks & (config.blocks - 1)) === 0)) {
      throw new Error(`history blocks must be a power of two, got ${config.blocks}`);
    }
    this.views = carve(config, buffer);
  }

  static create(config: OutputHistoryConfig): OutputHistory {
    const history = new OutputHistory(config, new SharedArrayBuffer(bytesFor(config)));
    history.views.stamps.fill(-1);
    return history;
  }

  static attach(config: OutputHistoryConfig, buffer: SharedArrayBuffer): OutputHistory {
    return new OutputHistory(config, buffer);
  }

  /** Seconds the ring holds. */
  get seconds(): number {
    return (this.config.blocks * this.config.blockSize) / this.config.sampleRate;
  }

  /** Blocks written so far (the index of the next block the writer will write). */
  get written(): number {
    return Atomics.load(this.views.head, HEAD_NEXT);
  }

  /**
   * Copies the last `frames` frames the sink played (rounded up to whole blocks, at most the
   * ring's length and the arrays' length rounded down to whole blocks) into `left` and `right`,
   * oldest first. Blocks the writer overwrote while they were copied are dropped from the
   * start; fewer frames come back early on, before the ring has filled. Any thread; allocates
   * only its small result.
   */
  readLast(frames: number, left: Float32Array, right: Float32Array): HistoryRead {
    const block = this.config.blockSize;
    const room = Math.floor(Math.min(left.length, right.length) / block);
    const wanted = Math.min(Math.ceil(frames / block), room, this.config.blocks - 1, Atomics.load(this.views.head, HEAD_FILLED));
    const end = Atomics.load(this.views.head, HEAD_NEXT);
    return this.copyBlocks((end - wanted) | 0, end, left, right);
  }

  /**
   * Copies blocks [from, end) (block indices, as `written` counts them) into `left`/`right`,
   * oldest first; blocks no longer (or not yet) in the ring are left out. For readers that
   * follow the stream block by block (meters, loudness): keep `endBlock` and ask from there.
   */
  readRange(from: number, end: number, left: Float32Array, right: Float32Array): HistoryRead & { readonly firstBlock: number } {
    const block = this.config.blockSize;
    const room = Math.floor(Math.min(left.length, right.length) / block);
    const written = Atomics.load(this.views.head, HEAD_NEXT);
    const oldest = (written - Math.min(this.config.blocks - 1, Atomics.load(this.views.head, HEAD_FILLED))) | 0;
    let stop = ((end - written) | 0) > 0 ? written : end;
    let start = ((oldest - from) | 0) > 0 ? oldest : from;
    if (((stop - start) | 0) > room) start = (stop - room) | 0;
    if (((stop - start) | 0) < 0) stop = start;
    const read = this.copyBlocks(start, stop, left, right);
    return { ...read, firstBlock: (stop - read.frames / block) | 0 };
  }

  private copyBlocks(start: number, end: number, left: Float32Array, right: Float32Array): HistoryRead {
    const { stamps, samples } = this.views;
    const block = this.config.blockSize;
    const mask = this.config.blocks - 1;
    const count = Math.max(0, (end - start) | 0);
    for (let k = 0; k < count; k++) {
      const n = (start + k) | 0;
      const base = (n & mask) * 2 * block;
      const at = k * block;
      for (let i = 0; i < block; i++) {
        left[at + i] = samples[base + i]!;
        right[at + i] = samples[base + block + i]!;
      }
    }
    // Validate after copying: a block whose stamp moved on was (being) overwritten. Stamps are
    // stored after the samples, and blocks are overwritten oldest first, so the valid ones are a
    // suffix: drop the prefix up to the last invalid one.
    let firstValid = 0;
    for (let k = 0; k < count; k++) if (Atomics.load(stamps, ((start + k) | 0) & mask) !== ((start + k) | 0)) firstValid = k + 1;
    const kept = count - firstValid;
    if (firstValid > 0 && kept > 0) {
      left.copyWithin(0, firstValid * block, count * block);
      right.copyWithin(0, firstValid * block, count * block);
    }
    return { frames: kept * block, endBlock: end };
  }
}

/**
 * The writing side, for the output worker: `write(n, left, right)` after the sink got block n.
 * Allocation-free; never waits.
 */
export class OutputHistoryWriter {
  private readonly views: Views;
  private readonly mask: number;

  constructor(private readonly config: OutputHistoryConfig, buffer: SharedArrayBuffer) {
    this.views = carve(config, buffer);
    this.mask = config.blocks - 1;
  }

  write(n: number, left: Float32Array, right: Float32Array): void {
    const { head, stamps, samples } = this.views;
    const block = this.config.blockSize;
    const position = n & this.mask;
    // Invalidate first, so a reader that copies this position meanwhile drops it.
    Atomics.store(stamps, position, -1);
    const base = position * 2 * block;
    for (let i = 0; i < block; i++) {
      samples[base + i] = left[i]!;
      samples[base + block + i] = right[i]!;
    }
    Atomics.store(stamps, position, n);
    Atomics.store(head, HEAD_NEXT, (n + 1) | 0);
    if (head[HEAD_FILLED]! < this.config.blocks) Atomics.store(head, HEAD_FILLED, head[HEAD_FILLED]! + 1);
  }
}

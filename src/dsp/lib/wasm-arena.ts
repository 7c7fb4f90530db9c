// The thread's wasm arena: one fixed WebAssembly.Memory per render thread, shared by every
// Engine of the thread, and the SIMD batch kernels (dist/wasm/kernels.wasm, built from wasm/ by
// scripts/build-wasm.sh) instantiated on it. The engine allocates the state arrays of kernels,
// its pooled audio buffers and its param buffers here (KernelMemory), so a batch kernel reads
// and writes them in place: a call passes pointers (byte offsets), nothing is copied.
//
// Memory: reserved once at ARENA_BYTES and never grown (growing would detach every view).
// Allocation: 16-byte aligned blocks, free lists per block size, a bump pointer above them.
// A block goes back to its free list when the view it was handed out as is garbage collected
// (FinalizationRegistry): patches come and go, and the engine's many holders of an instance
// (plans, crossfades, preparations) make explicit ownership fragile. When the arena is full,
// an allocation falls back to an ordinary typed array (counted in `stats().heapFallbacks`);
// an instance whose arrays are not all in the arena is simply rendered by its JS kernel.
// Never keep a subarray of an arena view beyond its owner: the block may be reused.
//
// Layout (byte offsets): page 0 is left to AssemblyScript's static data (none today); then the
// call descriptor (batch.ts), a work area, the pad lanes' state slots and outputs, the heap.
//
// Threading: `threadArena()` and all allocation run on the render thread between blocks
// (they allocate); the views handed out are used by per-block code without allocating.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where kernels and the engine get their typed arrays (the arena, or the JS heap). */
export interface KernelMemory {
  f64(length: number): Float64Array;
  f32(length: number): Float32Array;
}

/** Plain typed arrays on the JS heap (batching off, or no wasm). */
export const HEAP_MEMORY: KernelMemory = Object.freeze({
  f64: (length: number) => new Float64Array(length),
  f32: (length: number) => new Float32Array(length),
});

// The WebAssembly JS API, typed here (tsconfig's lib is ES2022 without DOM, whose typings hold it).
interface WasmModule { readonly __wasmModule?: never }
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  readonly Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const WebAssemblyApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Bytes of the arena: holds ~60,000 W2 voices of state plus buffers; reserved, touched lazily. */
export const ARENA_BYTES = 64 * 1024 * 1024;
/** Bytes of the call descriptor (batch.ts: a header and 4 lane records). */
export const DESC_BYTES = 64 + 4 * 256;
/** Pad lanes (a call has 4 lanes and at least 2 instances). */
export const PAD_LANES = 3;
/** f64 slots of a pad lane's state copy (a batchable kernel's `state` must fit). */
export const PAD_STATE_SLOTS = 256;
/** Outputs of a pad lane, and the samples of each (the largest maxBlock that batches). */
export const PAD_OUTPUTS = 4;
export const PAD_BLOCK = 8192;
/** Bytes of a batch kernel's work area (header slot 1 of the call descriptor). */
export const WORK_BYTES = 65536;

export const DEFAULT_WASM_URL = new URL('../../../wasm/kernels.wasm', import.meta.url);

/** A block handed out, for the free list when its view is collected. */
interface Block {
  readonly ptr: number;
  readonly bytes: number;
}

export class WasmArena implements KernelMemory {
  /** The kernels' exports (functions by name; see batch.ts for the calling convention). */
  readonly exports: Readonly<Record<string, unknown>>;
  readonly buffer: ArrayBuffer;
  /** Views of the whole memory. */
  readonly whole64: Float64Array;
  readonly whole32: Float32Array;
  /** Byte offset of the call descriptor. */
  readonly descPtr: number;
  /** Byte offset of the work area batch kernels share (they run one at a time). */
  readonly workPtr: number;
  /** Byte offsets of each pad lane's state slot and of its output buffers. */
  readonly padStatePtrs: readonly number[];
  readonly padOutputPtrs: readonly (readonly number[])[];
  private readonly padStates: readonly Float64Array[];
  private readonly heapStart: number;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly registry: FinalizationRegistry<Block>;
  private fallbacks = 0;
  private liveBytes = 0;
  /** Batch kernels by factory and sample rate (batch.ts: created once per thread). */
  readonly batchKernels = new Map<unknown, Map<number, unknown>>();

  private constructor(api: WasmApi, module: WasmModule, bytes: number) {
    const pages = Math.ceil(bytes / PAGE);
    const memory = new api.Memory({ initial: pages, maximum: pages });
    const instance = new api.Instance(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    this.exports = instance.exports as Record<string, unknown>;
    this.buffer = memory.buffer;
    this.whole64 = new Float64Array(this.buffer);
    this.whole32 = new Float32Array(this.buffer);
    this.descPtr = PAGE;
    this.workPtr = this.descPtr + DESC_BYTES;
    let p = this.workPtr + WORK_BYTES;
    const padStates: number[] = [];
    const padOutputs: number[][] = [];
    for (let pad = 0; pad < PAD_LANES; pad++) {
      padStates.push(p);
      p += PAD_STATE_SLOTS * 8;
      const outputs: number[] = [];
      for (let o = 0; o < PAD_OUTPUTS; o++, p += PAD_BLOCK * 4) outputs.push(p);
      padOutputs.push(outputs);
    }
    this.padStatePtrs = padStates;
    this.padOutputPtrs = padOutputs;
    this.padStates = padStates.map((ptr) => new Float64Array(this.buffer, ptr, PAD_STATE_SLOTS));
    this.heapStart = p;
    this.top = p;
    this.registry = new FinalizationRegistry<Block>((block) => this.release(block));
  }

  /**
   * The arena of this thread, created on first use (compiles the wasm synchronously), or a
   * string saying why there is none (wasm file missing, no SIMD, ...). The answer is kept.
   */
  static forThread(): WasmArena | string {
    if (threadArenaResult === undefined) threadArenaResult = WasmArena.create(DEFAULT_WASM_URL, ARENA_BYTES);
    return threadArenaResult;
  }

  /** A separate arena (tests): `bytes` of memory on the kernels at `url`. */
  static create(url: URL = DEFAULT_WASM_URL, bytes = ARENA_BYTES): WasmArena | string {
    if (WebAssemblyApi === undefined) return 'no WebAssembly in this runtime';
    let module: WasmModule;
    try {
      module = compiledModule(WebAssemblyApi, url);
    } catch (e) {
      return `${fileURLToPath(url)}: ${e instanceof Error ? e.message : String(e)}`;
    }
    try {
      return new WasmArena(WebAssemblyApi, module, bytes);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  f64(length: number): Float64Array {
    const ptr = this.allocate(length * 8);
    if (ptr < 0) return new Float64Array(length);
    const view = new Float64Array(this.buffer, ptr, length);
    view.fill(0);
    this.registry.register(view, { ptr, bytes: blockBytes(length * 8) });
    return view;
  }

  f32(length: number): Float32Array {
    const ptr = this.allocate(length * 4);
    if (ptr < 0) return new Float32Array(length);
    const view = new Float32Array(this.buffer, ptr, length);
    view.fill(0);
    this.registry.register(view, { ptr, bytes: blockBytes(length * 4) });
    return view;
  }

  /** True when `view` lies in this arena (a batch kernel can address it). */
  holds(view: Float64Array | Float32Array): boolean {
    return view.buffer === this.buffer;
  }

  /**
   * Copies `state` into pad lane `pad`'s state slot (render thread, no allocation): a pad lane
   * computes on a copy and writes to its pad outputs, so it disturbs nobody. Returns the slot's
   * byte offset.
   */
  padStateFrom(pad: number, state: Float64Array): number {
    // An index loop: TypedArray.set between views of one buffer copies through a temporary.
    const slot = this.padStates[pad];
    for (let i = 0; i < state.length; i++) slot[i] = state[i]!;
    return this.padStatePtrs[pad];
  }

  /** Bytes in use by live blocks, the high-water mark, the capacity, and heap fallbacks. */
  stats(): { liveBytes: number; usedBytes: number; capacityBytes: number; heapFallbacks: number } {
    return { liveBytes: this.liveBytes, usedBytes: this.top - this.heapStart, capacityBytes: this.buffer.byteLength - this.heapStart, heapFallbacks: this.fallbacks };
  }

  /** Byte offset of a fresh block of at least `bytes`, or −1 when the arena is full. */
  private allocate(bytes: number): number {
    const size = blockBytes(bytes);
    const list = this.free.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) ptr = list.pop()!;
    else if (this.top + size <= this.buffer.byteLength) {
      ptr = this.top;
      this.top += size;
    } else {
      this.fallbacks++;
      return -1;
    }
    this.liveBytes += size;
    return ptr;
  }

  private release(block: Block): void {
    this.liveBytes -= block.bytes;
    let list = this.free.get(block.bytes);
    if (list === undefined) {
      list = [];
      this.free.set(block.bytes, list);
    }
    list.push(block.ptr);
  }
}

/** Rounded up to 16 bytes (v128 alignment), at least 16. */
function blockBytes(bytes: number): number {
  return Math.max(16, (bytes + 15) & ~15);
}

let threadArenaResult: WasmArena | string | undefined;

/** Compiled modules by file URL, once per process (throws when unavailable). */
const compiled = new Map<string, WasmModule>();
function compiledModule(api: WasmApi, url: URL): WasmModule {
  let module = compiled.get(url.href);
  if (module === undefined) {
    module = new api.Module(readFileSync(fileURLToPath(url)));
    compiled.set(url.href, module);
  }
  return module;
}

// The live patch's modules by id (spec, engine handle), and the values /mod set since the
// patch documents were last brought up to date. One map lookup finds everything a /mod needs. A /mod writes one number into a typed array (and marks it): the same
// small work for a patch of ten modules or of a thousand, where writing into the documents'
// objects at once would touch two modules' objects scattered over the whole patch per message
// (measured: the cost of a /mod then grew with the patch). The editor writes the marked
// values into its documents (`drain`) before anything reads or edits them.
//
// Threading: main thread (or offline). `record` allocates nothing.

import type { ModuleSpec } from '../dsp/spec.js';
import type { ResolvedModule } from '../patch/document.js';

/**
 * A live module as commands see it: its spec, the handle the engine knows it by (-1 until the
 * session has assigned handles), and where its recorded values start.
 */
export interface LiveEntry {
  readonly module: ResolvedModule;
  readonly spec: ModuleSpec;
  handle: number;
  readonly first: number;
}

export class LiveValues {
  readonly entries = new Map<string, LiveEntry>();
  /** Per cell (one param of one module): the latest recorded value, whether it awaits a drain, and its owner. */
  private readonly values: Float64Array;
  private readonly marked: Uint8Array;
  private readonly markedList: Int32Array;
  private markedCount = 0;
  private readonly owner: LiveEntry[] = [];
  private readonly param: Int32Array;

  constructor(modules: readonly ResolvedModule[], handles: Iterable<readonly [string, number]> = []) {
    let cells = 0;
    for (const module of modules) {
      const entry: LiveEntry = { module, spec: module.definition.spec, handle: -1, first: cells };
      this.entries.set(module.id, entry);
      for (let p = 0; p < module.params.length; p++) this.owner.push(entry);
      cells += module.params.length;
    }
    this.values = new Float64Array(cells);
    this.marked = new Uint8Array(cells);
    this.markedList = new Int32Array(cells);
    this.param = new Int32Array(cells);
    for (const entry of this.entries.values()) for (let p = 0; p < entry.module.params.length; p++) this.param[entry.first + p] = p;
    this.setHandles(handles);
  }

  /** Gives the modules the handles the session assigned (modules not listed keep theirs). */
  setHandles(handles: Iterable<readonly [string, number]>): void {
    for (const [id, handle] of handles) {
      const entry = this.entries.get(id);
      if (entry !== undefined) entry.handle = handle;
    }
  }

  /** Records param `index` of `entry` = `value`. No allocation. */
  record(entry: LiveEntry, index: number, value: number): void {
    const cell = entry.first + index;
    this.values[cell] = value;
    if (this.marked[cell] === 0) {
      this.marked[cell] = 1;
      this.markedList[this.markedCount++] = cell;
    }
  }

  /** Hands every value recorded since the last drain to `write` (latest value per param), then forgets them. */
  drain(write: (module: ResolvedModule, paramIndex: number, value: number) => void): void {
    for (let k = 0; k < this.markedCount; k++) {
      const cell = this.markedList[k]!;
      this.marked[cell] = 0;
      write(this.owner[cell]!.module, this.param[cell]!, this.values[cell]!);
    }
    this.markedCount = 0;
  }
}

// Timed engine events (param sets, gates, ramps) in preallocated typed arrays, ordered by frame
// and then by arrival, so two renderers given the same events apply them identically. Each
// event has four numbers besides its frame and kind: handle, index, value and `aux` (a ramp's
// length in frames; 0 for the other kinds).
//
// Threading: render thread. No method allocates. A full queue refuses the event (the caller
// counts it); capacity is fixed at construction.

export const EVENT_PARAM = 1;
export const EVENT_GATE = 2;
export const EVENT_PARAM_IMMEDIATE = 3;
export const EVENT_RESET = 4;
/** Automation ramp (param-bank.ts startRamp): index = param, value = target, aux = length in frames. Linear. */
export const EVENT_RAMP_LIN = 5;
/** The same, exponential (geometric interpolation; linear when the end points differ in sign or touch 0). */
export const EVENT_RAMP_EXP = 6;

export class EventQueue {
  private readonly frame: Float64Array;
  private readonly kind: Int32Array;
  private readonly handle: Int32Array;
  private readonly index: Int32Array;
  private readonly value: Float64Array;
  private readonly aux: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.frame = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.handle = new Int32Array(capacity);
    this.index = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.aux = new Float64Array(capacity);
  }

  get size(): number {
    return this.count - this.head;
  }

  /** Frame of the earliest event, or +Infinity when empty. */
  peekFrame(): number {
    return this.head < this.count ? this.frame[this.head]! : Number.POSITIVE_INFINITY;
  }

  /** Inserts after every event with a frame ≤ `frame` (stable). Returns false when full. */
  push(frame: number, kind: number, handle: number, index: number, value: number, aux: number): boolean {
    if (this.head > 0 && this.count === this.capacity) this.compact();
    if (this.count === this.capacity) return false;
    let pos = this.count;
    while (pos > this.head && this.frame[pos - 1]! > frame) {
      this.frame[pos] = this.frame[pos - 1]!;
      this.kind[pos] = this.kind[pos - 1]!;
      this.handle[pos] = this.handle[pos - 1]!;
      this.index[pos] = this.index[pos - 1]!;
      this.value[pos] = this.value[pos - 1]!;
      this.aux[pos] = this.aux[pos - 1]!;
      pos--;
    }
    this.frame[pos] = frame;
    this.kind[pos] = kind;
    this.handle[pos] = handle;
    this.index[pos] = index;
    this.value[pos] = value;
    this.aux[pos] = aux;
    this.count++;
    return true;
  }

  /** Fields of the earliest event (valid until the next `shift`/`push`). */
  headKind(): number {
    return this.kind[this.head]!;
  }
  headHandle(): number {
    return this.handle[this.head]!;
  }
  headIndex(): number {
    return this.index[this.head]!;
  }
  headValue(): number {
    return this.value[this.head]!;
  }
  headAux(): number {
    return this.aux[this.head]!;
  }

  shift(): void {
    if (this.head < this.count) this.head++;
    if (this.head === this.count) {
      this.head = 0;
      this.count = 0;
    }
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Copies pending events out (snapshots; allocates, not for the render loop). */
  toArray(): Array<[number, number, number, number, number, number]> {
    const out: Array<[number, number, number, number, number, number]> = [];
    for (let i = this.head; i < this.count; i++) {
      out.push([this.frame[i]!, this.kind[i]!, this.handle[i]!, this.index[i]!, this.value[i]!, this.aux[i]!]);
    }
    return out;
  }

  private compact(): void {
    const n = this.count - this.head;
    this.frame.copyWithin(0, this.head, this.count);
    this.kind.copyWithin(0, this.head, this.count);
    this.handle.copyWithin(0, this.head, this.count);
    this.index.copyWithin(0, this.head, this.count);
    this.value.copyWithin(0, this.head, this.count);
    this.aux.copyWithin(0, this.head, this.count);
    this.head = 0;
    this.count = n;
  }
}

// Engine counters, kept in a Float64Array so that incrementing them on the render thread
// never allocates (a double in a plain object field can be boxed on every store), and so the
// whole set can be copied into shared memory in one call. Read them between blocks.

const FRAMES_RENDERED = 0;
const EVENTS_APPLIED = 1;
const EVENTS_DROPPED = 2;
const EVENTS_LATE = 3;
const MODULE_FAULTS = 4;
const PATCHES_APPLIED = 5;
export const COUNTER_COUNT = 6;

export class EngineCounters {
  readonly values = new Float64Array(COUNTER_COUNT);

  get framesRendered(): number {
    return this.values[FRAMES_RENDERED]!;
  }
  /** Timed events applied (param sets, gates, resets). */
  get eventsApplied(): number {
    return this.values[EVENTS_APPLIED]!;
  }
  /** Events refused because the event queue was full. */
  get eventsDropped(): number {
    return this.values[EVENTS_DROPPED]!;
  }
  /** Events whose frame had already passed when they were scheduled (applied at once). */
  get eventsLate(): number {
    return this.values[EVENTS_LATE]!;
  }
  /** Modules muted because they threw or produced NaN/Inf. */
  get moduleFaults(): number {
    return this.values[MODULE_FAULTS]!;
  }
  get patchesApplied(): number {
    return this.values[PATCHES_APPLIED]!;
  }

  addFrames(n: number): void {
    this.values[FRAMES_RENDERED]! += n;
  }
  countEventApplied(): void {
    this.values[EVENTS_APPLIED]!++;
  }
  countEventDropped(): void {
    this.values[EVENTS_DROPPED]!++;
  }
  countEventLate(): void {
    this.values[EVENTS_LATE]!++;
  }
  countModuleFault(): void {
    this.values[MODULE_FAULTS]!++;
  }
  countPatchApplied(): void {
    this.values[PATCHES_APPLIED]!++;
  }

}

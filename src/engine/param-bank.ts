// Per-instance parameter state: per-sample linear smoothing ramps plus summed modulation,
// clamped to the param range, presented to the kernel as ParamSignals.
//
// Threading: render thread. `fill`, `setTarget` and `setImmediate` never allocate.
// The modulation bindings are replaced (allocating) only when a patch is compiled.

import { ParamSignalCell } from '../dsp/param-signal.js';
import type { ParamSpec } from '../dsp/spec.js';
import type { RenderScratch } from './render-scratch.js';

/** Scalars of one param's smoothing state, in the layout of `ParamBank.ramp`. */
const CURRENT = 0;
const TARGET = 1;
const STEP = 2;
const REMAINING = 3;
export const RAMP_FIELDS = 4;

/** Per-spec constants (ramp lengths at a sample rate, ranges): shared by every bank of a type. */
interface ParamLimits {
  readonly rampSamples: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}
const limitsBySpecs = new WeakMap<readonly ParamSpec[], Map<number, ParamLimits>>();

function paramLimits(specs: readonly ParamSpec[], sampleRate: number): ParamLimits {
  let bySampleRate = limitsBySpecs.get(specs);
  if (bySampleRate === undefined) {
    bySampleRate = new Map();
    limitsBySpecs.set(specs, bySampleRate);
  }
  let limits = bySampleRate.get(sampleRate);
  if (limits === undefined) {
    limits = {
      rampSamples: Float64Array.from(specs, (spec) => Math.round((spec.smoothingMs * sampleRate) / 1000)),
      min: Float64Array.from(specs, (spec) => spec.min),
      max: Float64Array.from(specs, (spec) => spec.max),
    };
    bySampleRate.set(sampleRate, limits);
  }
  return limits;
}

/**
 * Told when a bank stops being settled: a batch group whose fast path reuses its members'
 * params (render-plan.ts PlanGroup) drops `ready` then, so it need not poll every member.
 */
export interface SettledWatcher {
  ready: boolean;
}

const NO_SOURCES: Float32Array[] = [];
const NO_AMOUNTS = new Float64Array(0);

export class ParamBank {
  readonly signals: ParamSignalCell[];
  /** Smoothing state, RAMP_FIELDS per param: current, target, step, remaining samples. */
  readonly ramp: Float64Array;
  private readonly rampSamples: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  /** Per param: the source buffers and depths of its modulation connections. */
  private modSources: Float32Array[][];
  private modAmounts: Float64Array[];
  /**
   * True when no param ramps and none is modulated: every signal is constant and already holds
   * its value, so `fill` has nothing to do. Cleared by anything that changes a param.
   */
  private settled = false;
  /**
   * The batch group this bank's instance belongs to in the plan compiled last (null: none).
   * Every change that unsettles the bank (setTarget, setImmediate, bindModulation, invalidate)
   * clears its `ready`; set by compileRenderPlan.
   */
  watcher: SettledWatcher | null = null;

  constructor(
    readonly specs: readonly ParamSpec[],
    initial: readonly number[],
    sampleRate: number,
    scratch: RenderScratch,
  ) {
    const n = specs.length;
    this.signals = specs.map((_, p) => new ParamSignalCell(initial[p]!, scratch.paramBuffer(p)));
    this.ramp = new Float64Array(n * RAMP_FIELDS);
    const limits = paramLimits(specs, sampleRate);
    this.rampSamples = limits.rampSamples;
    this.min = limits.min;
    this.max = limits.max;
    this.modSources = specs.map(() => NO_SOURCES);
    this.modAmounts = specs.map(() => NO_AMOUNTS);
    for (let p = 0; p < n; p++) {
      this.ramp[p * RAMP_FIELDS + CURRENT] = initial[p]!;
      this.ramp[p * RAMP_FIELDS + TARGET] = initial[p]!;
    }
  }

  /** Compile time: the modulation connections of param `p` (replaces the previous ones). */
  bindModulation(p: number, sources: Float32Array[], amounts: number[]): void {
    this.invalidate();
    this.modSources[p] = sources.length === 0 ? NO_SOURCES : sources;
    this.modAmounts[p] = amounts.length === 0 ? NO_AMOUNTS : Float64Array.from(amounts);
  }

  isModulated(p: number): boolean {
    return this.modSources[p]!.length > 0;
  }

  /** The value the param is heading to (what a client last set). */
  target(p: number): number {
    return this.ramp[p * RAMP_FIELDS + TARGET]!;
  }

  current(p: number): number {
    return this.ramp[p * RAMP_FIELDS + CURRENT]!;
  }

  /** Starts a ramp to `value` over the param's smoothing time (immediate when it has none). */
  setTarget(p: number, value: number): void {
    this.invalidate();
    const r = p * RAMP_FIELDS;
    const samples = this.rampSamples[p]!;
    const ramp = this.ramp;
    ramp[r + TARGET] = value;
    if (samples <= 0 || ramp[r + CURRENT] === value) {
      ramp[r + CURRENT] = value;
      ramp[r + REMAINING] = 0;
      ramp[r + STEP] = 0;
    } else {
      ramp[r + STEP] = (value - ramp[r + CURRENT]!) / samples;
      ramp[r + REMAINING] = samples;
    }
  }

  /** Jumps to `value` at once (new modules, restores). */
  setImmediate(p: number, value: number): void {
    this.invalidate();
    const r = p * RAMP_FIELDS;
    this.ramp[r + CURRENT] = value;
    this.ramp[r + TARGET] = value;
    this.ramp[r + STEP] = 0;
    this.ramp[r + REMAINING] = 0;
  }

  /**
   * True when no param ramps or is modulated and `fill` has run since the last change: every
   * signal holds its constant value (batch groups reuse the params they wrote while this holds).
   */
  get isSettled(): boolean {
    return this.settled;
  }

  /**
   * Not settled any more (every param change calls it; call it after writing `ramp` directly,
   * as snapshot restore does, or when the instance faults): clears the watcher's `ready` too.
   */
  invalidate(): void {
    this.settled = false;
    const watcher = this.watcher;
    if (watcher !== null) watcher.ready = false;
  }

  /** Prepares every signal for samples [start, end): constant fast path, or per-sample values. */
  fill(start: number, end: number): void {
    if (this.settled) return;
    const ramp = this.ramp;
    const signals = this.signals;
    let moving = false;
    for (let p = 0; p < signals.length; p++) {
      const signal = signals[p]!;
      const r = p * RAMP_FIELDS;
      const sources = this.modSources[p]!;
      let remaining = ramp[r + REMAINING]!;
      if (remaining === 0 && sources.length === 0) {
        signal.isConstant = true;
        signal.value = ramp[r + CURRENT]!;
        continue;
      }
      moving = true;
      const buffer = signal.buffer;
      let current = ramp[r + CURRENT]!;
      if (remaining > 0) {
        const step = ramp[r + STEP]!;
        const target = ramp[r + TARGET]!;
        for (let i = start; i < end; i++) {
          if (remaining > 0) {
            remaining--;
            current = remaining === 0 ? target : current + step;
          }
          buffer[i] = current;
        }
        ramp[r + CURRENT] = current;
        ramp[r + REMAINING] = remaining;
      } else {
        // A loop, not buffer.fill(current): passing a non-integer double to a builtin boxes
        // it (one HeapNumber per call, measured).
        for (let i = start; i < end; i++) buffer[i] = current;
      }
      if (sources.length > 0) {
        const amounts = this.modAmounts[p]!;
        for (let s = 0; s < sources.length; s++) {
          const source = sources[s]!;
          const amount = amounts[s]!;
          for (let i = start; i < end; i++) buffer[i]! += amount * source[i]!;
        }
        const lo = this.min[p]!;
        const hi = this.max[p]!;
        for (let i = start; i < end; i++) {
          const v = buffer[i]!;
          // NaN from a broken source compares false both ways: pin it to the low end.
          buffer[i] = v >= lo ? (v <= hi ? v : hi) : lo;
        }
      }
      signal.isConstant = false;
      signal.value = buffer[end - 1]!;
    }
    // Settled only when every signal was constant in this call (a ramp that ended inside it
    // still presented a buffer; the next call finds it constant and settles).
    this.settled = !moving;
  }
}

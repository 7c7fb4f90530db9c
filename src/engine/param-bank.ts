// Per-instance parameter state: per-sample linear smoothing ramps, automation ramps, plus summed
// modulation, clamped to the param range, presented to the kernel as ParamSignals.
//
// Automation ramps (`/mod/<id>/<param> <value> <ms> [curve]`, startRamp): from the value the
// param presents now (`start`, the last sample's value) to `target` over `length` frames, each
// sample a function of its index j alone (never accumulated), so the values do not depend on
// how the timeline is cut into blocks:
//   linear       v(j) = start + (target − start) · (j / length)
//   exponential  v(j) = start · e^(ln(target / start) · j / length)   (geometric: v(length/2) is
//                the geometric mean; used only when start and target have the same sign and
//                neither is 0, else linear)
// for j = 0 (the ramp's own frame: v = start) to j = length, which is exactly `target`.
// A new ramp or a plain set (setTarget, setImmediate) replaces a running ramp from the value it
// had reached.
//
// Threading: render thread. `fill`, `setTarget`, `setImmediate` and `startRamp` never allocate.
// The modulation bindings are replaced (allocating) only when a patch is compiled.

import { ParamSignalCell } from '../dsp/param-signal.js';
import type { ParamSpec } from '../dsp/spec.js';
import type { RenderScratch } from './render-scratch.js';

/** Scalars of one param's smoothing state, in the layout of `ParamBank.ramp`. */
const CURRENT = 0;
const TARGET = 1;
/** Smoothing: the per-sample step. Automation: target − start (linear) or ln(target / start) (exponential). */
const STEP = 2;
/** Samples still to present (automation: including the final `target` sample). */
const REMAINING = 3;
/** Automation ramps: the start value and the length in frames. */
const START = 4;
const LENGTH = 5;
/** MODE_SMOOTH (setTarget's linear smoothing, or nothing moving), MODE_LIN or MODE_EXP (automation). */
const MODE = 6;
export const RAMP_FIELDS = 7;
const MODE_SMOOTH = 0;
const MODE_LIN = 1;
const MODE_EXP = 2;

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
    ramp[r + MODE] = MODE_SMOOTH;
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
    this.ramp[r + MODE] = MODE_SMOOTH;
  }

  /**
   * Automation ramp of param `p` from its current value to `value` over `length` frames
   * (≥ 0; 0 jumps), starting with the next sample filled (see the header for the curves).
   * `exponential` falls back to linear when start and target differ in sign or one is 0.
   */
  startRamp(p: number, value: number, length: number, exponential: boolean): void {
    this.invalidate();
    const r = p * RAMP_FIELDS;
    const ramp = this.ramp;
    const start = ramp[r + CURRENT]!;
    const geometric = exponential && ((start > 0 && value > 0) || (start < 0 && value < 0));
    ramp[r + TARGET] = value;
    ramp[r + START] = start;
    ramp[r + LENGTH] = length;
    ramp[r + STEP] = geometric ? Math.log(value / start) : value - start;
    ramp[r + REMAINING] = length + 1;
    ramp[r + MODE] = geometric ? MODE_EXP : MODE_LIN;
  }

  /** True while param `p` follows an automation ramp. */
  isRamping(p: number): boolean {
    const r = p * RAMP_FIELDS;
    return this.ramp[r + MODE] !== MODE_SMOOTH && this.ramp[r + REMAINING]! > 0;
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

  /**
   * The samples [start, end) of the automation ramp at `ramp[r]` (mode MODE_LIN or MODE_EXP):
   * each a function of its index j in the ramp (see the header), then the target once it is
   * reached. Updates CURRENT and REMAINING (and MODE once the ramp ends).
   */
  private fillAutomation(r: number, buffer: Float64Array, start: number, end: number): void {
    const ramp = this.ramp;
    const mode = ramp[r + MODE]!;
    const length = ramp[r + LENGTH]!;
    const from = ramp[r + START]!;
    const k = ramp[r + STEP]!;
    const target = ramp[r + TARGET]!;
    let remaining = ramp[r + REMAINING]!;
    let current = ramp[r + CURRENT]!;
    for (let i = start; i < end; i++) {
      if (remaining > 0) {
        const j = length + 1 - remaining;
        remaining--;
        if (j >= length) current = target;
        else if (mode === MODE_LIN) current = from + k * (j / length);
        else current = from * Math.exp(k * (j / length));
      }
      buffer[i] = current;
    }
    ramp[r + CURRENT] = current;
    ramp[r + REMAINING] = remaining;
    if (remaining === 0) ramp[r + MODE] = MODE_SMOOTH;
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
      if (remaining > 0 && ramp[r + MODE] !== MODE_SMOOTH) {
        // No double crosses this call (V8 would box it): it reads and writes `ramp` itself.
        this.fillAutomation(r, buffer, start, end);
      } else if (remaining > 0) {
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

// The sequencer bank: up to MAX_SEQUENCERS step sequencers on one transport, inside the
// engine, driven only by rendered frames. `emit(limit)` pushes every gate and lane event due
// before frame `limit` into the engine's event queue at its exact frame; the engine calls it
// before rendering each sub-block, so both slots and an offline render fire the same steps at
// the same frames.
//
// Numeric state lives in typed arrays sized for the limits up front; module targets are kept
// by id (strings) and re-resolved after every patch and restore: a target whose module is gone
// (or lacks the param/gate) is inactive, never an error on the audio path.
//
// Threading: render thread. `emit` never allocates; `apply` (control ops, between or inside
// blocks) does not allocate either, except `snapshot`/`restore` which run between blocks.

import type { ModuleInstance } from '../instance.js';
import { findParam } from '../../dsp/spec.js';
import { BAR_TICKS, MAX_LANES, MAX_SEQUENCERS, MAX_STEPS } from './limits.js';
import type { ControlOp } from './ops.js';
import { STEP_ACCENT, STEP_REST, stepCode } from './pattern.js';
import { Transport } from './transport.js';

/** What the bank needs from the engine. */
export interface SequencerHost {
  instance(id: string): ModuleInstance | undefined;
  scheduleGate(frame: number, handle: number, on: boolean): boolean;
  scheduleParamImmediate(frame: number, handle: number, param: number, value: number): boolean;
  /** The transport's tempo became `bpm` at `frame` (tempo-synced params follow it). */
  tempoChanged(frame: number, bpm: number): void;
}

// Per-sequencer numeric fields (Float64Array, S_FIELDS per sequencer).
const S_EXISTS = 0;
const S_RUNNING = 1;
const S_STEPS = 2;
const S_STEP_TICKS = 3;
const S_GATE_LEN = 4;
/** Grid tick of the next step. */
const S_NEXT_TICK = 5;
/** Steps played since start / reset / config change (pattern index = count mod steps). */
const S_COUNT = 6;
/** Frame of the pending gate-off (NaN: no gate held). */
const S_OFF_FRAME = 7;
const S_ACCENT_AMOUNT = 8;
/** 1 while an accent is applied (restored at the gate-off). */
const S_ACCENT_HELD = 9;
const S_ACCENT_RESTORE = 10;
const S_PEND_CONFIG = 11;
const S_PEND_STEPS = 12;
const S_PEND_STEP_TICKS = 13;
const S_PEND_PATTERN = 14;
const S_PEND_RESET = 15;
const S_FIELDS = 16;

export const DEFAULT_STEPS = 16;
export const DEFAULT_DIVISION = 16;
export const DEFAULT_GATE_LEN = 0.5;
export const DEFAULT_PATTERN = 'x';

/** Plain data (structured-cloneable): the complete sequencer and transport state. */
export interface SequencerSnapshot {
  readonly transport: Float64Array;
  readonly state: Float64Array;
  readonly patterns: Uint8Array;
  readonly pendingPatterns: Uint8Array;
  readonly lanes: Float64Array;
  readonly pendingLanes: Float64Array;
  readonly pendingLaneFlags: Uint8Array;
  readonly ids: readonly string[];
  readonly gateModules: readonly string[];
  readonly laneNames: readonly string[];
  readonly laneModules: readonly string[];
  readonly laneParams: readonly string[];
  readonly accentModules: readonly string[];
  readonly accentParams: readonly string[];
}

export class SequencerBank {
  readonly transport: Transport;
  private readonly state = new Float64Array(MAX_SEQUENCERS * S_FIELDS);
  private readonly patterns = new Uint8Array(MAX_SEQUENCERS * MAX_STEPS);
  private readonly pendingPatterns = new Uint8Array(MAX_SEQUENCERS * MAX_STEPS);
  private readonly lanes = new Float64Array(MAX_SEQUENCERS * MAX_LANES * MAX_STEPS).fill(Number.NaN);
  private readonly pendingLanes = new Float64Array(MAX_SEQUENCERS * MAX_LANES * MAX_STEPS).fill(Number.NaN);
  private readonly pendingLaneFlags = new Uint8Array(MAX_SEQUENCERS * MAX_LANES);
  // Targets by name ('' = none / free).
  private readonly ids: string[] = new Array<string>(MAX_SEQUENCERS).fill('');
  private readonly gateModules: string[] = new Array<string>(MAX_SEQUENCERS).fill('');
  private readonly laneNames: string[] = new Array<string>(MAX_SEQUENCERS * MAX_LANES).fill('');
  private readonly laneModules: string[] = new Array<string>(MAX_SEQUENCERS * MAX_LANES).fill('');
  private readonly laneParams: string[] = new Array<string>(MAX_SEQUENCERS * MAX_LANES).fill('');
  private readonly accentModules: string[] = new Array<string>(MAX_SEQUENCERS).fill('');
  private readonly accentParams: string[] = new Array<string>(MAX_SEQUENCERS).fill('');
  // Resolved targets (undefined / -1: inactive).
  private readonly gateTargets: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS).fill(undefined);
  private readonly laneTargets: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS * MAX_LANES).fill(undefined);
  private readonly laneParamIndex = new Int32Array(MAX_SEQUENCERS * MAX_LANES).fill(-1);
  private readonly laneMin = new Float64Array(MAX_SEQUENCERS * MAX_LANES);
  private readonly laneMax = new Float64Array(MAX_SEQUENCERS * MAX_LANES);
  private readonly accentTargets: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS).fill(undefined);
  private readonly accentParamIndex = new Int32Array(MAX_SEQUENCERS).fill(-1);
  private readonly accentMin = new Float64Array(MAX_SEQUENCERS);
  private readonly accentMax = new Float64Array(MAX_SEQUENCERS);
  /** Number of existing sequencers (emit skips all work when 0). */
  private count = 0;

  constructor(sampleRate: number, private readonly host: SequencerHost) {
    this.transport = new Transport(sampleRate);
  }

  // ---------------------------------------------------------------- render path

  /** Pushes every sequencer event with a frame < `limit` into the host's event queue. */
  emit(limit: number): void {
    if (this.count === 0 || !this.transport.running) return;
    const transport = this.transport;
    for (;;) {
      const changeTick = transport.nextChangeTick();
      for (let s = 0; s < MAX_SEQUENCERS; s++) {
        if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.emitOne(s, limit, changeTick);
      }
      if (changeTick === Number.POSITIVE_INFINITY || transport.frameOf(changeTick) >= limit) return;
      if (transport.applyChangeAt(changeTick)) this.host.tempoChanged(transport.anchorFrame, transport.bpm);
    }
  }

  private emitOne(s: number, limit: number, tickLimit: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    for (;;) {
      const off = st[base + S_OFF_FRAME]!;
      const nextTick = st[base + S_NEXT_TICK]!;
      const stepFrame = st[base + S_RUNNING] === 1 && nextTick < tickLimit ? this.transport.frameOf(nextTick) : Number.POSITIVE_INFINITY;
      if (off === off) {
        // A gate never stays on past the next step (a tempo change can bring that step closer).
        const at = off < stepFrame ? off : stepFrame;
        if (at < limit) {
          this.release(s, at);
          continue;
        }
      }
      if (stepFrame >= limit) return;
      this.fire(s, stepFrame);
    }
  }

  private fire(s: number, frame: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    const tick = st[base + S_NEXT_TICK]!;
    if (tick % BAR_TICKS === 0) this.applyBarChanges(s);
    const steps = st[base + S_STEPS]!;
    const stepTicks = st[base + S_STEP_TICKS]!;
    const index = st[base + S_COUNT]! % steps;
    const host = this.host;
    for (let l = 0; l < MAX_LANES; l++) {
      const k = s * MAX_LANES + l;
      const target = this.laneTargets[k];
      if (target === undefined) continue;
      const value = this.lanes[k * MAX_STEPS + index]!;
      if (value !== value) continue;
      const lo = this.laneMin[k]!;
      const hi = this.laneMax[k]!;
      host.scheduleParamImmediate(frame, target.handle, this.laneParamIndex[k]!, value < lo ? lo : value > hi ? hi : value);
    }
    const code = this.patterns[s * MAX_STEPS + index]!;
    const gate = this.gateTargets[s];
    if (code !== STEP_REST && gate !== undefined) {
      const accent = this.accentTargets[s];
      if (code === STEP_ACCENT && accent !== undefined) {
        const p = this.accentParamIndex[s]!;
        const restore = accent.params.target(p);
        const raised = restore + st[base + S_ACCENT_AMOUNT]!;
        const lo = this.accentMin[s]!;
        const hi = this.accentMax[s]!;
        host.scheduleParamImmediate(frame, accent.handle, p, raised < lo ? lo : raised > hi ? hi : raised);
        st[base + S_ACCENT_HELD] = 1;
        st[base + S_ACCENT_RESTORE] = restore;
      }
      host.scheduleGate(frame, gate.handle, true);
      const nextFrame = this.transport.frameOf(tick + stepTicks);
      const length = Math.round(st[base + S_GATE_LEN]! * (nextFrame - frame));
      const off = frame + (length < 1 ? 1 : length);
      st[base + S_OFF_FRAME] = off > nextFrame ? nextFrame : off;
    }
    st[base + S_COUNT] = st[base + S_COUNT]! + 1;
    st[base + S_NEXT_TICK] = tick + stepTicks;
  }

  /** Gate off (and accent restore) at `frame`, if a gate is held. */
  private release(s: number, frame: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    if (st[base + S_OFF_FRAME] !== st[base + S_OFF_FRAME]) return;
    st[base + S_OFF_FRAME] = Number.NaN;
    const gate = this.gateTargets[s];
    if (gate !== undefined) this.host.scheduleGate(frame, gate.handle, false);
    if (st[base + S_ACCENT_HELD] === 1) {
      st[base + S_ACCENT_HELD] = 0;
      const accent = this.accentTargets[s];
      if (accent !== undefined) this.host.scheduleParamImmediate(frame, accent.handle, this.accentParamIndex[s]!, st[base + S_ACCENT_RESTORE]!);
    }
  }

  /** Changes waiting for the next bar: config (restarts the pattern), pattern, lanes, reset. */
  private applyBarChanges(s: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    if (st[base + S_PEND_CONFIG] === 1) {
      st[base + S_PEND_CONFIG] = 0;
      st[base + S_STEPS] = st[base + S_PEND_STEPS]!;
      st[base + S_STEP_TICKS] = st[base + S_PEND_STEP_TICKS]!;
      st[base + S_COUNT] = 0;
    }
    if (st[base + S_PEND_RESET] === 1) {
      st[base + S_PEND_RESET] = 0;
      st[base + S_COUNT] = 0;
    }
    if (st[base + S_PEND_PATTERN] === 1) {
      st[base + S_PEND_PATTERN] = 0;
      for (let i = 0; i < MAX_STEPS; i++) this.patterns[s * MAX_STEPS + i] = this.pendingPatterns[s * MAX_STEPS + i]!;
    }
    for (let l = 0; l < MAX_LANES; l++) {
      const k = s * MAX_LANES + l;
      if (this.pendingLaneFlags[k] !== 1) continue;
      this.pendingLaneFlags[k] = 0;
      for (let i = 0; i < MAX_STEPS; i++) this.lanes[k * MAX_STEPS + i] = this.pendingLanes[k * MAX_STEPS + i]!;
    }
  }

  // ---------------------------------------------------------------- control ops

  /** Applies a validated control op at `frame` (the engine calls this at the op's exact frame). */
  apply(frame: number, op: ControlOp): void {
    const transport = this.transport;
    switch (op.op) {
      case 'transport.bpm':
        if (transport.setBpm(frame, op.bpm)) this.host.tempoChanged(frame, op.bpm);
        return;
      case 'transport.swing':
        transport.setSwing(frame, op.swing);
        return;
      case 'transport.start':
        if (!transport.running) transport.start(frame);
        for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.start(s, frame);
        return;
      case 'transport.stop':
        for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.stop(s, frame);
        if (transport.stop()) this.host.tempoChanged(frame, transport.bpm);
        return;
      case 'seq.reset_all':
        for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.reset(s);
        return;
      case 'seq.create':
        this.create(op.id);
        return;
      default:
        break;
    }
    const s = this.find(op.id);
    if (s < 0) return;
    const st = this.state;
    const base = s * S_FIELDS;
    const running = st[base + S_RUNNING] === 1;
    switch (op.op) {
      case 'seq.delete':
        this.stop(s, frame);
        this.clear(s);
        this.count--;
        return;
      case 'seq.config': {
        const stepTicks = BAR_TICKS / op.division;
        if (op.immediate || !running) {
          st[base + S_STEPS] = op.steps;
          st[base + S_STEP_TICKS] = stepTicks;
          st[base + S_PEND_CONFIG] = 0;
          if (running) {
            // Onto the new grid at once: the pattern restarts at the next step of the new grid.
            const next = transport.firstTickAtOrAfter(frame, stepTicks);
            st[base + S_NEXT_TICK] = next;
            st[base + S_COUNT] = 0;
          }
        } else {
          st[base + S_PEND_CONFIG] = 1;
          st[base + S_PEND_STEPS] = op.steps;
          st[base + S_PEND_STEP_TICKS] = stepTicks;
        }
        return;
      }
      case 'seq.pattern': {
        const target = op.immediate || !running ? this.patterns : this.pendingPatterns;
        writePattern(target, s, op.pattern);
        st[base + S_PEND_PATTERN] = op.immediate || !running ? 0 : 1;
        return;
      }
      case 'seq.gate':
        this.release(s, frame);
        this.gateModules[s] = op.module ?? '';
        this.resolveSequencer(s);
        return;
      case 'seq.param': {
        const l = this.laneIndex(s, op.lane);
        if (l < 0) return;
        this.laneModules[s * MAX_LANES + l] = op.module;
        this.laneParams[s * MAX_LANES + l] = op.param;
        this.resolveSequencer(s);
        return;
      }
      case 'seq.lane': {
        const l = this.laneIndex(s, op.lane);
        if (l < 0) return;
        const k = s * MAX_LANES + l;
        const now = op.immediate || !running;
        const target = now ? this.lanes : this.pendingLanes;
        for (let i = 0; i < MAX_STEPS; i++) {
          const v = i < op.values.length ? op.values[i] : null;
          target[k * MAX_STEPS + i] = v === null || v === undefined ? Number.NaN : v;
        }
        this.pendingLaneFlags[k] = now ? 0 : 1;
        return;
      }
      case 'seq.gate_len':
        st[base + S_GATE_LEN] = op.gateLen;
        return;
      case 'seq.accent':
        if (st[base + S_ACCENT_HELD] === 1) this.release(s, frame);
        this.accentModules[s] = op.module;
        this.accentParams[s] = op.param;
        st[base + S_ACCENT_AMOUNT] = op.amount;
        this.resolveSequencer(s);
        return;
      case 'seq.start':
        if (!transport.running) transport.start(frame);
        this.start(s, frame);
        return;
      case 'seq.stop':
        this.stop(s, frame);
        return;
      case 'seq.reset':
        this.reset(s);
        return;
      default:
        return;
    }
  }

  /** Index of sequencer `id`, or -1. */
  find(id: string): number {
    for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.ids[s] === id && this.state[s * S_FIELDS + S_EXISTS] === 1) return s;
    return -1;
  }

  /** Starts sequencer `s` at the next bar line (the transport is running). */
  private start(s: number, frame: number): void {
    const base = s * S_FIELDS;
    if (this.state[base + S_RUNNING] === 1) return;
    this.state[base + S_RUNNING] = 1;
    this.state[base + S_NEXT_TICK] = this.transport.firstTickAtOrAfter(frame, BAR_TICKS);
    this.state[base + S_COUNT] = 0;
    this.state[base + S_PEND_RESET] = 0;
  }

  private stop(s: number, frame: number): void {
    const base = s * S_FIELDS;
    this.release(s, frame);
    if (this.state[base + S_RUNNING] !== 1) return;
    this.state[base + S_RUNNING] = 0;
    // Nothing waits for a bar any more: pending changes take effect now.
    this.applyBarChanges(s);
  }

  private reset(s: number): void {
    const base = s * S_FIELDS;
    if (this.state[base + S_RUNNING] === 1) this.state[base + S_PEND_RESET] = 1;
    else this.state[base + S_COUNT] = 0;
  }

  private create(id: string): void {
    if (this.find(id) >= 0) return;
    let s = 0;
    while (s < MAX_SEQUENCERS && this.state[s * S_FIELDS + S_EXISTS] === 1) s++;
    if (s === MAX_SEQUENCERS) return;
    this.clear(s);
    const base = s * S_FIELDS;
    this.ids[s] = id;
    this.state[base + S_EXISTS] = 1;
    this.state[base + S_STEPS] = DEFAULT_STEPS;
    this.state[base + S_STEP_TICKS] = BAR_TICKS / DEFAULT_DIVISION;
    this.state[base + S_GATE_LEN] = DEFAULT_GATE_LEN;
    writePattern(this.patterns, s, DEFAULT_PATTERN);
    this.count++;
  }

  private clear(s: number): void {
    this.state.fill(0, s * S_FIELDS, (s + 1) * S_FIELDS);
    this.state[s * S_FIELDS + S_OFF_FRAME] = Number.NaN;
    this.patterns.fill(STEP_REST, s * MAX_STEPS, (s + 1) * MAX_STEPS);
    this.pendingPatterns.fill(STEP_REST, s * MAX_STEPS, (s + 1) * MAX_STEPS);
    this.lanes.fill(Number.NaN, s * MAX_LANES * MAX_STEPS, (s + 1) * MAX_LANES * MAX_STEPS);
    this.pendingLanes.fill(Number.NaN, s * MAX_LANES * MAX_STEPS, (s + 1) * MAX_LANES * MAX_STEPS);
    this.pendingLaneFlags.fill(0, s * MAX_LANES, (s + 1) * MAX_LANES);
    this.ids[s] = '';
    this.gateModules[s] = '';
    this.accentModules[s] = '';
    this.accentParams[s] = '';
    for (let l = 0; l < MAX_LANES; l++) {
      this.laneNames[s * MAX_LANES + l] = '';
      this.laneModules[s * MAX_LANES + l] = '';
      this.laneParams[s * MAX_LANES + l] = '';
    }
    this.resolveSequencer(s);
  }

  /** Lane index of `name` in sequencer `s`, taking a free lane for a new name; -1 when full. */
  private laneIndex(s: number, name: string): number {
    let free = -1;
    for (let l = 0; l < MAX_LANES; l++) {
      const n = this.laneNames[s * MAX_LANES + l];
      if (n === name) return l;
      if (n === '' && free < 0) free = l;
    }
    if (free >= 0) this.laneNames[s * MAX_LANES + free] = name;
    return free;
  }

  // ---------------------------------------------------------------- targets

  /** Re-resolves every target by module id (after a patch is applied or a snapshot restored). */
  resolveAll(): void {
    for (let s = 0; s < MAX_SEQUENCERS; s++) this.resolveSequencer(s);
  }

  private resolveSequencer(s: number): void {
    const host = this.host;
    const gate = this.gateModules[s] === '' ? undefined : host.instance(this.gateModules[s]!);
    this.gateTargets[s] = gate !== undefined && gate.definition.spec.gate ? gate : undefined;
    for (let l = 0; l < MAX_LANES; l++) {
      const k = s * MAX_LANES + l;
      const resolved = this.resolveParam(this.laneModules[k]!, this.laneParams[k]!);
      this.laneTargets[k] = resolved?.instance;
      this.laneParamIndex[k] = resolved?.index ?? -1;
      this.laneMin[k] = resolved?.min ?? 0;
      this.laneMax[k] = resolved?.max ?? 0;
    }
    const accent = this.resolveParam(this.accentModules[s]!, this.accentParams[s]!);
    this.accentTargets[s] = accent?.instance;
    this.accentParamIndex[s] = accent?.index ?? -1;
    this.accentMin[s] = accent?.min ?? 0;
    this.accentMax[s] = accent?.max ?? 0;
  }

  private resolveParam(module: string, param: string): { instance: ModuleInstance; index: number; min: number; max: number } | undefined {
    if (module === '') return undefined;
    const instance = this.host.instance(module);
    if (instance === undefined) return undefined;
    const spec = instance.definition.spec;
    const p = findParam(spec, param);
    if (p === undefined) return undefined;
    return { instance, index: spec.params.indexOf(p), min: p.min, max: p.max };
  }

  // ---------------------------------------------------------------- snapshots

  snapshot(): SequencerSnapshot {
    return {
      transport: this.transport.state.slice(),
      state: this.state.slice(),
      patterns: this.patterns.slice(),
      pendingPatterns: this.pendingPatterns.slice(),
      lanes: this.lanes.slice(),
      pendingLanes: this.pendingLanes.slice(),
      pendingLaneFlags: this.pendingLaneFlags.slice(),
      ids: this.ids.slice(),
      gateModules: this.gateModules.slice(),
      laneNames: this.laneNames.slice(),
      laneModules: this.laneModules.slice(),
      laneParams: this.laneParams.slice(),
      accentModules: this.accentModules.slice(),
      accentParams: this.accentParams.slice(),
    };
  }

  /** Restores a snapshot, then re-resolves targets against the engine's live modules. */
  restore(snap: SequencerSnapshot): void {
    this.transport.state.set(snap.transport);
    this.state.set(snap.state);
    this.patterns.set(snap.patterns);
    this.pendingPatterns.set(snap.pendingPatterns);
    this.lanes.set(snap.lanes);
    this.pendingLanes.set(snap.pendingLanes);
    this.pendingLaneFlags.set(snap.pendingLaneFlags);
    copyStrings(this.ids, snap.ids);
    copyStrings(this.gateModules, snap.gateModules);
    copyStrings(this.laneNames, snap.laneNames);
    copyStrings(this.laneModules, snap.laneModules);
    copyStrings(this.laneParams, snap.laneParams);
    copyStrings(this.accentModules, snap.accentModules);
    copyStrings(this.accentParams, snap.accentParams);
    this.count = 0;
    for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.count++;
    this.resolveAll();
  }
}

function writePattern(target: Uint8Array, s: number, pattern: string): void {
  for (let i = 0; i < MAX_STEPS; i++) target[s * MAX_STEPS + i] = i < pattern.length ? stepCode(pattern.charCodeAt(i)) : STEP_REST;
}

function copyStrings(target: string[], source: readonly string[]): void {
  if (source.length !== target.length) throw new Error('sequencer snapshot has the wrong shape');
  for (let i = 0; i < target.length; i++) target[i] = source[i]!;
}


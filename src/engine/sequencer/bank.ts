// The sequencer bank: up to MAX_SEQUENCERS step sequencers on one transport, inside the
// engine, driven only by rendered frames. `emit(limit)` pushes every gate and lane event due
// before frame `limit` into the engine's event queue at its exact frame; the engine calls it
// before rendering each sub-block, so both slots and an offline render fire the same steps at
// the same frames.
//
// A step (pattern.ts) is a rest, a note (accented or not), a tie or a slide. Its step lanes
// (steps.ts) give its velocity, length, probability and bar condition. Ties and slides continue
// the note before them: when a note is fired, the step after it is looked at (with the changes
// waiting for its bar, its condition and its probability: all known in advance), and if it
// continues the note, the gate is held into it instead of going off at the note's length. The
// continuing step then sends nothing (tie), or (slide) a second gate-on to the targets whose
// spec says `legato` (the acid voice glides) while its lanes ramp over the glide time. Should
// the step turn out not to continue after all (a change applied at once in between), the held
// gate goes off on that step's frame.
//
// Probability is decided from the engine's seed, the sequencer's seed and the count of steps
// the sequencer has played since it was created (a hash, no state): every slot and an offline
// render decide the same.
//
// Threading: render thread. `emit` never allocates; `apply` (control ops, between or inside
// blocks) does not allocate either, except `snapshot`/`restore` which run between blocks.

import type { ModuleInstance } from '../instance.js';
import { BAR_TICKS, MAX_ACCENT_TARGETS, MAX_GATE_TARGETS, MAX_LANES, MAX_SEQUENCERS, MAX_STEPS } from './limits.js';
import type { ControlOp } from './ops.js';
import { STEP_ACCENT, STEP_REST, STEP_SLIDE, STEP_SLIDE_ACCENT, STEP_TIE, continuesNote, stepCode } from './pattern.js';
import { K_COND_M, K_COND_N, K_LENGTH, K_PROB, K_VELOCITY, StepLanes, stepChance, type StepLanesSnapshot } from './steps.js';
import { SequencerTargets, copyStrings, type TargetsSnapshot } from './targets.js';
import { Transport } from './transport.js';

/** What the bank needs from the engine. */
export interface SequencerHost {
  instance(id: string): ModuleInstance | undefined;
  scheduleGate(frame: number, handle: number, on: boolean, velocity: number): boolean;
  scheduleParamImmediate(frame: number, handle: number, param: number, value: number): boolean;
  scheduleRamp(frame: number, handle: number, param: number, value: number, ms: number, exponential: boolean): boolean;
  /** The transport's tempo became `bpm` at `frame` (tempo-synced params follow it). */
  tempoChanged(frame: number, bpm: number): void;
  /** The transport started at `frame` (it was stopped): modules that follow it restart there. */
  transportStarted(frame: number): void;
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
/** 1 while an accent is applied (restored at the gate-off). */
const S_ACCENT_HELD = 8;
const S_PEND_CONFIG = 9;
const S_PEND_STEPS = 10;
const S_PEND_STEP_TICKS = 11;
const S_PEND_PATTERN = 12;
const S_PEND_RESET = 13;
/** 1 when the held gate continues into the next step (a tie or slide): no gate-off before it. */
const S_HOLD = 14;
/** Steps fired since the sequencer was created (the probability counter). */
const S_TOTAL = 15;
/** The sequencer's own seed (default: a hash of its id). */
const S_SEED = 16;
/** Grid tick of the sequencer's first bar (bar conditions count from it). */
const S_BAR_BASE = 17;
/** Glide time (ms) of lane params on slide steps. */
const S_GLIDE_MS = 18;
/** Scratch: the pattern index `decide` looked at. */
const S_INDEX = 19;
const S_FIELDS = 20;

export const DEFAULT_STEPS = 16;
export const DEFAULT_DIVISION = 16;
export const DEFAULT_GATE_LEN = 0.5;
export const DEFAULT_PATTERN = 'x';

const G = MAX_GATE_TARGETS;
const A = MAX_ACCENT_TARGETS;

/** Plain data (structured-cloneable): the complete sequencer and transport state. */
export interface SequencerSnapshot {
  readonly transport: Float64Array;
  readonly state: Float64Array;
  readonly patterns: Uint8Array;
  readonly pendingPatterns: Uint8Array;
  readonly lanes: Float64Array;
  readonly pendingLanes: Float64Array;
  readonly pendingLaneFlags: Uint8Array;
  readonly accentRestore: Float64Array;
  readonly steps: StepLanesSnapshot;
  readonly ids: readonly string[];
  readonly targets: TargetsSnapshot;
}

export class SequencerBank {
  readonly transport: Transport;
  private readonly state = new Float64Array(MAX_SEQUENCERS * S_FIELDS);
  private readonly patterns = new Uint8Array(MAX_SEQUENCERS * MAX_STEPS);
  private readonly pendingPatterns = new Uint8Array(MAX_SEQUENCERS * MAX_STEPS);
  private readonly lanes = new Float64Array(MAX_SEQUENCERS * MAX_LANES * MAX_STEPS).fill(Number.NaN);
  private readonly pendingLanes = new Float64Array(MAX_SEQUENCERS * MAX_LANES * MAX_STEPS).fill(Number.NaN);
  private readonly pendingLaneFlags = new Uint8Array(MAX_SEQUENCERS * MAX_LANES);
  /** Per accent target: the value to restore at the gate-off. */
  private readonly accentRestore = new Float64Array(MAX_SEQUENCERS * A);
  private readonly steps = new StepLanes();
  private readonly ids: string[] = new Array<string>(MAX_SEQUENCERS).fill('');
  private readonly targets = new SequencerTargets();
  /** Number of existing sequencers (emit skips all work when 0). */
  private count = 0;

  constructor(sampleRate: number, private readonly host: SequencerHost, private readonly seed = 1) {
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
      // A held gate (tie, slide) waits for its step; any other never stays on past the next step.
      if (off === off && st[base + S_HOLD] !== 1) {
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
    if (tick % BAR_TICKS === 0) this.applyBarChanges(s, tick);
    const stepTicks = st[base + S_STEP_TICKS]!;
    const code = this.decide(s, false);
    const index = st[base + S_INDEX]!;
    const held = st[base + S_OFF_FRAME] === st[base + S_OFF_FRAME];
    const sliding = held && (code === STEP_SLIDE || code === STEP_SLIDE_ACCENT);
    this.setLanes(s, frame, index, sliding);
    let sounding = false;
    if (held && continuesNote(code)) {
      sounding = true;
      if (sliding) this.slide(s, frame, index, code === STEP_SLIDE_ACCENT);
    } else {
      if (held) this.release(s, frame);
      // A slide after silence is a plain note; a tie after silence is a rest.
      if (code !== STEP_REST && code !== STEP_TIE) {
        this.noteOn(s, frame, index, code === STEP_ACCENT || code === STEP_SLIDE_ACCENT);
        sounding = true;
      }
    }
    st[base + S_COUNT] = st[base + S_COUNT]! + 1;
    st[base + S_TOTAL] = st[base + S_TOTAL]! + 1;
    st[base + S_NEXT_TICK] = tick + stepTicks;
    if (!sounding) return;
    const nextFrame = this.transport.frameOf(tick + stepTicks);
    if (this.nextContinues(s)) {
      st[base + S_OFF_FRAME] = nextFrame;
      st[base + S_HOLD] = 1;
      return;
    }
    const fraction = this.steps.value(s, K_LENGTH, index, false);
    const length = Math.round((fraction === fraction ? fraction : st[base + S_GATE_LEN]!) * (nextFrame - frame));
    const off = frame + (length < 1 ? 1 : length);
    st[base + S_OFF_FRAME] = off > nextFrame ? nextFrame : off;
    st[base + S_HOLD] = 0;
  }

  /**
   * The code the next step (S_NEXT_TICK, S_COUNT, S_TOTAL) plays: its pattern code, or STEP_REST when its
   * bar condition or probability rules it out or its velocity is 0. Leaves its pattern index in
   * S_INDEX. `ahead`: the step lies on a bar line not reached yet, so the changes waiting for
   * that bar count (pattern, config, reset, step lanes).
   */
  private decide(s: number, ahead: boolean): number {
    const st = this.state;
    const base = s * S_FIELDS;
    const tick = st[base + S_NEXT_TICK]!;
    const count = st[base + S_COUNT]!;
    const total = st[base + S_TOTAL]!;
    const restart = ahead && (st[base + S_PEND_CONFIG] === 1 || st[base + S_PEND_RESET] === 1);
    const steps = ahead && st[base + S_PEND_CONFIG] === 1 ? st[base + S_PEND_STEPS]! : st[base + S_STEPS]!;
    const index = (restart ? 0 : count) % steps;
    st[base + S_INDEX] = index;
    const pattern = ahead && st[base + S_PEND_PATTERN] === 1 ? this.pendingPatterns : this.patterns;
    const code = pattern[s * MAX_STEPS + index]!;
    if (code === STEP_REST) return STEP_REST;
    const lanes = this.steps;
    const of = lanes.value(s, K_COND_M, index, ahead);
    if (of === of) {
      const bar = Math.floor((tick - (restart ? tick : st[base + S_BAR_BASE]!)) / BAR_TICKS);
      if (bar % of !== lanes.value(s, K_COND_N, index, ahead) - 1) return STEP_REST;
    }
    const prob = lanes.value(s, K_PROB, index, ahead);
    if (prob === prob && prob < 1 && !(stepChance(this.seed, st[base + S_SEED]!, total) < prob)) return STEP_REST;
    if (code !== STEP_TIE && lanes.value(s, K_VELOCITY, index, ahead) === 0) return STEP_REST;
    return code;
  }

  /** True when the step after the one just fired (S_* already advanced) continues its note. */
  private nextContinues(s: number): boolean {
    const st = this.state;
    const base = s * S_FIELDS;
    return continuesNote(this.decide(s, st[base + S_NEXT_TICK]! % BAR_TICKS === 0));
  }

  /** Lane values of step `index` at `frame`: set at once, or (a slide with a glide time) ramped. */
  private setLanes(s: number, frame: number, index: number, sliding: boolean): void {
    const t = this.targets;
    const host = this.host;
    const glide = this.state[s * S_FIELDS + S_GLIDE_MS]!;
    for (let l = 0; l < MAX_LANES; l++) {
      const k = s * MAX_LANES + l;
      const target = t.lanes[k];
      if (target === undefined) continue;
      const value = this.lanes[k * MAX_STEPS + index]!;
      if (value !== value) continue;
      const lo = t.laneMin[k]!;
      const hi = t.laneMax[k]!;
      const v = value < lo ? lo : value > hi ? hi : value;
      if (sliding && glide > 0) host.scheduleRamp(frame, target.handle, t.laneIndex[k]!, v, glide, t.laneExp[k] === 1);
      else host.scheduleParamImmediate(frame, target.handle, t.laneIndex[k]!, v);
    }
  }

  /** A new note at `frame`: accents (when accented), then every gate target on with the step's velocity. */
  private noteOn(s: number, frame: number, index: number, accented: boolean): void {
    if (accented) this.raiseAccents(s, frame);
    const velocity = this.steps.value(s, K_VELOCITY, index, false);
    const t = this.targets;
    for (let g = 0; g < G; g++) {
      const gate = t.gates[s * G + g];
      if (gate !== undefined) this.host.scheduleGate(frame, gate.handle, true, velocity === velocity ? velocity : 1);
    }
  }

  /** A slide into step `index` while the note is held: accents follow the step, legato targets get a second gate-on. */
  private slide(s: number, frame: number, index: number, accented: boolean): void {
    const held = this.state[s * S_FIELDS + S_ACCENT_HELD] === 1;
    if (accented && !held) this.raiseAccents(s, frame);
    if (!accented && held) this.restoreAccents(s, frame);
    const velocity = this.steps.value(s, K_VELOCITY, index, false);
    const t = this.targets;
    for (let g = 0; g < G; g++) {
      const gate = t.gates[s * G + g];
      if (gate !== undefined && t.gateLegato[s * G + g] === 1) this.host.scheduleGate(frame, gate.handle, true, velocity === velocity ? velocity : 1);
    }
  }

  private raiseAccents(s: number, frame: number): void {
    const t = this.targets;
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      const accent = t.accents[k];
      if (accent === undefined) continue;
      const p = t.accentIndex[k]!;
      const restore = accent.params.target(p);
      const raised = restore + t.accentAmounts[k]!;
      const lo = t.accentMin[k]!;
      const hi = t.accentMax[k]!;
      this.host.scheduleParamImmediate(frame, accent.handle, p, raised < lo ? lo : raised > hi ? hi : raised);
      this.accentRestore[k] = restore;
    }
    this.state[s * S_FIELDS + S_ACCENT_HELD] = 1;
  }

  private restoreAccents(s: number, frame: number): void {
    this.state[s * S_FIELDS + S_ACCENT_HELD] = 0;
    const t = this.targets;
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      const accent = t.accents[k];
      if (accent !== undefined) this.host.scheduleParamImmediate(frame, accent.handle, t.accentIndex[k]!, this.accentRestore[k]!);
    }
  }

  /** Gate off (and accent restore) at `frame`, if a gate is held. */
  private release(s: number, frame: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    if (st[base + S_OFF_FRAME] !== st[base + S_OFF_FRAME]) return;
    st[base + S_OFF_FRAME] = Number.NaN;
    st[base + S_HOLD] = 0;
    const t = this.targets;
    for (let g = 0; g < G; g++) {
      const gate = t.gates[s * G + g];
      if (gate !== undefined) this.host.scheduleGate(frame, gate.handle, false, 0);
    }
    if (st[base + S_ACCENT_HELD] === 1) this.restoreAccents(s, frame);
  }

  /** Changes waiting for the bar at `tick`: config (restarts the pattern), pattern, lanes, reset. */
  private applyBarChanges(s: number, tick: number): void {
    const st = this.state;
    const base = s * S_FIELDS;
    if (st[base + S_PEND_CONFIG] === 1) {
      st[base + S_PEND_CONFIG] = 0;
      st[base + S_STEPS] = st[base + S_PEND_STEPS]!;
      st[base + S_STEP_TICKS] = st[base + S_PEND_STEP_TICKS]!;
      st[base + S_COUNT] = 0;
      st[base + S_BAR_BASE] = tick;
    }
    if (st[base + S_PEND_RESET] === 1) {
      st[base + S_PEND_RESET] = 0;
      st[base + S_COUNT] = 0;
      st[base + S_BAR_BASE] = tick;
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
    this.steps.applyPending(s);
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
        if (!transport.running) {
          transport.start(frame);
          this.host.transportStarted(frame);
        }
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
    const t = this.targets;
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
            st[base + S_BAR_BASE] = next - (next % BAR_TICKS);
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
        if (op.module === null) {
          this.release(s, frame);
          t.removeGate(s, null);
        } else {
          t.addGate(s, op.module);
        }
        t.resolve(s, this.host);
        return;
      case 'seq.unassign':
        // The note in progress ends here (its targets may be about to go).
        this.release(s, frame);
        if (op.what === 'gate') t.removeGate(s, op.module);
        else if (op.what === 'accent') t.removeAccent(s, op.module, op.param);
        else {
          const l = t.lane(s, op.lane, false);
          if (l >= 0) {
            t.freeLane(s, l);
            const k = s * MAX_LANES + l;
            this.lanes.fill(Number.NaN, k * MAX_STEPS, (k + 1) * MAX_STEPS);
            this.pendingLanes.fill(Number.NaN, k * MAX_STEPS, (k + 1) * MAX_STEPS);
            this.pendingLaneFlags[k] = 0;
          }
        }
        t.resolve(s, this.host);
        return;
      case 'seq.param': {
        const l = t.lane(s, op.lane, true);
        if (l < 0) return;
        t.setLaneTarget(s, l, op.module, op.param);
        t.resolve(s, this.host);
        return;
      }
      case 'seq.lane': {
        const l = t.lane(s, op.lane, true);
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
      case 'seq.steps':
        this.steps.write(s, op.kind, op.values, op.of, op.immediate || !running);
        return;
      case 'seq.gate_len':
        st[base + S_GATE_LEN] = op.gateLen;
        return;
      case 'seq.glide':
        st[base + S_GLIDE_MS] = op.ms;
        return;
      case 'seq.seed':
        st[base + S_SEED] = op.seed >>> 0;
        return;
      case 'seq.accent':
        if (st[base + S_ACCENT_HELD] === 1) this.release(s, frame);
        t.addAccent(s, op.module, op.param, op.amount);
        t.resolve(s, this.host);
        return;
      case 'seq.start':
        if (!transport.running) {
          transport.start(frame);
          this.host.transportStarted(frame);
        }
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

  /**
   * The step sequencer `s` last played ((steps played − 1) mod steps), or -1 when there is no
   * sequencer at `s`, it is stopped or it has not played a step since it (re)started. Read by
   * the slot worker after each block for the dashboard. No allocation.
   */
  playingStep(s: number): number {
    const st = this.state;
    const base = s * S_FIELDS;
    if (st[base + S_EXISTS] !== 1 || st[base + S_RUNNING] !== 1 || !this.transport.running) return -1;
    const count = st[base + S_COUNT]!;
    return count < 1 ? -1 : (count - 1) % st[base + S_STEPS]!;
  }

  /** Id of the sequencer at index `s` ('' when there is none). */
  idAt(s: number): string {
    return this.state[s * S_FIELDS + S_EXISTS] === 1 ? this.ids[s]! : '';
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
    const bar = this.transport.firstTickAtOrAfter(frame, BAR_TICKS);
    this.state[base + S_RUNNING] = 1;
    this.state[base + S_NEXT_TICK] = bar;
    this.state[base + S_BAR_BASE] = bar;
    this.state[base + S_COUNT] = 0;
    this.state[base + S_PEND_RESET] = 0;
  }

  private stop(s: number, frame: number): void {
    const base = s * S_FIELDS;
    this.release(s, frame);
    if (this.state[base + S_RUNNING] !== 1) return;
    this.state[base + S_RUNNING] = 0;
    // Nothing waits for a bar any more: pending changes take effect now.
    this.applyBarChanges(s, this.state[base + S_NEXT_TICK]!);
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
    this.state[base + S_SEED] = idSeed(id);
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
    this.accentRestore.fill(0, s * A, (s + 1) * A);
    this.steps.clear(s);
    this.ids[s] = '';
    this.targets.clear(s);
    this.targets.resolve(s, this.host);
  }

  // ---------------------------------------------------------------- targets

  /** Re-resolves every target by module id (after a patch is applied or a snapshot restored). */
  resolveAll(): void {
    for (let s = 0; s < MAX_SEQUENCERS; s++) this.targets.resolve(s, this.host);
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
      accentRestore: this.accentRestore.slice(),
      steps: this.steps.snapshot(),
      ids: this.ids.slice(),
      targets: this.targets.snapshot(),
    };
  }

  /** Restores a snapshot, then re-resolves targets against the engine's live modules. */
  restore(snap: SequencerSnapshot): void {
    if (snap.state.length !== this.state.length) throw new Error('sequencer snapshot from another version (state layout differs)');
    this.transport.state.set(snap.transport);
    this.state.set(snap.state);
    this.patterns.set(snap.patterns);
    this.pendingPatterns.set(snap.pendingPatterns);
    this.lanes.set(snap.lanes);
    this.pendingLanes.set(snap.pendingLanes);
    this.pendingLaneFlags.set(snap.pendingLaneFlags);
    this.accentRestore.set(snap.accentRestore);
    this.steps.restore(snap.steps);
    copyStrings(this.ids, snap.ids);
    this.targets.restore(snap.targets);
    this.count = 0;
    for (let s = 0; s < MAX_SEQUENCERS; s++) if (this.state[s * S_FIELDS + S_EXISTS] === 1) this.count++;
    this.resolveAll();
  }
}

function writePattern(target: Uint8Array, s: number, pattern: string): void {
  for (let i = 0; i < MAX_STEPS; i++) target[s * MAX_STEPS + i] = i < pattern.length ? stepCode(pattern.charCodeAt(i)) : STEP_REST;
}

/** FNV-1a of a sequencer id: its default seed (so sequencers differ without being told). */
function idSeed(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

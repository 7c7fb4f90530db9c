// The main thread's copy of the sequencer configuration, kept by applying the same control ops
// the slots apply (in the same order): it validates ops (existence, limits) and answers
// /seq/get without asking a slot. It mirrors configuration, not playback position.
//
// Threading: main thread / offline (score parsing); allocates.

import { DEFAULT_DIVISION, DEFAULT_GATE_LEN, DEFAULT_PATTERN, DEFAULT_STEPS } from '../engine/sequencer/bank.js';
import { BAR_TICKS, MAX_LANES } from '../engine/sequencer/limits.js';
import type { ControlOp, StepLaneKind } from '../engine/sequencer/ops.js';

export interface MirrorLane {
  module: string | null;
  param: string | null;
  values: Array<number | null>;
}

export interface MirrorAccent {
  module: string;
  param: string;
  amount: number;
}

export interface MirrorSequencer {
  steps: number;
  division: number;
  pattern: string;
  /** Gate targets, in the order they were assigned. */
  gates: string[];
  gateLen: number;
  accents: MirrorAccent[];
  lanes: Record<string, MirrorLane>;
  /** Step lanes as commanded (cond values as "N:M"); absent: all defaults. */
  stepLanes: Partial<Record<StepLaneKind, Array<number | string | null>>>;
  glideMs: number;
  /** Set by /seq/seed; null: the default (from the id). */
  seed: number | null;
  running: boolean;
}

/** A sequencer as saved by a server before several targets existed (state folders). */
interface OldMirrorSequencer {
  gate?: string | null;
  accent?: MirrorAccent | null;
}

/** Brings a saved sequencer to the current shape. */
function upgrade(saved: MirrorSequencer & OldMirrorSequencer): MirrorSequencer {
  const { gate, accent, ...rest } = saved;
  return {
    ...rest,
    gates: saved.gates ?? (gate == null ? [] : [gate]),
    accents: saved.accents ?? (accent == null ? [] : [accent]),
    stepLanes: saved.stepLanes ?? {},
    glideMs: saved.glideMs ?? 0,
    seed: saved.seed ?? null,
  };
}

export class SequencerMirror {
  readonly transport = { bpm: 120, swing: 0, running: false };
  readonly sequencers = new Map<string, MirrorSequencer>();

  laneCount(id: string): number {
    return Object.keys(this.sequencers.get(id)?.lanes ?? {}).length;
  }

  apply(op: ControlOp): void {
    switch (op.op) {
      case 'transport.bpm':
        this.transport.bpm = op.bpm;
        return;
      case 'transport.swing':
        this.transport.swing = op.swing;
        return;
      case 'transport.start':
        this.transport.running = true;
        for (const s of this.sequencers.values()) s.running = true;
        return;
      case 'transport.stop':
        this.transport.running = false;
        for (const s of this.sequencers.values()) s.running = false;
        return;
      case 'seq.reset_all':
        return;
      case 'seq.create':
        if (!this.sequencers.has(op.id)) {
          this.sequencers.set(op.id, {
            steps: DEFAULT_STEPS, division: DEFAULT_DIVISION, pattern: DEFAULT_PATTERN, gates: [], gateLen: DEFAULT_GATE_LEN,
            accents: [], lanes: {}, stepLanes: {}, glideMs: 0, seed: null, running: false,
          });
        }
        return;
      default:
        break;
    }
    const s = this.sequencers.get(op.id);
    if (s === undefined) return;
    const lane = (name: string): MirrorLane | undefined => {
      if (s.lanes[name] === undefined && Object.keys(s.lanes).length < MAX_LANES) s.lanes[name] = { module: null, param: null, values: [] };
      return s.lanes[name];
    };
    switch (op.op) {
      case 'seq.delete':
        this.sequencers.delete(op.id);
        return;
      case 'seq.config':
        s.steps = op.steps;
        s.division = op.division;
        return;
      case 'seq.pattern':
        s.pattern = op.pattern;
        return;
      case 'seq.gate':
        if (op.module === null) s.gates = [];
        else if (!s.gates.includes(op.module)) s.gates.push(op.module);
        return;
      case 'seq.unassign':
        if (op.what === 'gate') s.gates = s.gates.filter((g) => g !== op.module);
        else if (op.what === 'accent') s.accents = s.accents.filter((a) => a.module !== op.module || a.param !== op.param);
        else delete s.lanes[op.lane];
        return;
      case 'seq.steps':
        s.stepLanes[op.kind] = op.kind === 'cond' ? op.values.map((n, i) => (n === null ? null : `${n}:${op.of?.[i] ?? n}`)) : [...op.values];
        return;
      case 'seq.glide':
        s.glideMs = op.ms;
        return;
      case 'seq.seed':
        s.seed = op.seed;
        return;
      case 'seq.param': {
        const l = lane(op.lane);
        if (l !== undefined) {
          l.module = op.module;
          l.param = op.param;
        }
        return;
      }
      case 'seq.lane': {
        const l = lane(op.lane);
        if (l !== undefined) l.values = [...op.values];
        return;
      }
      case 'seq.gate_len':
        s.gateLen = op.gateLen;
        return;
      case 'seq.accent': {
        const existing = s.accents.find((a) => a.module === op.module && a.param === op.param);
        if (existing !== undefined) existing.amount = op.amount;
        else s.accents.push({ module: op.module, param: op.param, amount: op.amount });
        return;
      }
      case 'seq.start':
        s.running = true;
        this.transport.running = true;
        return;
      case 'seq.stop':
        s.running = false;
        return;
      case 'seq.reset':
        return;
    }
  }

  /** Plain data for the state folder (see `load`). */
  save(): { transport: SequencerMirror['transport']; sequencers: Array<[string, MirrorSequencer]> } {
    return structuredClone({ transport: this.transport, sequencers: [...this.sequencers] });
  }

  /** Replaces the configuration with one `save` returned (a server resumed from its state folder). */
  load(data: unknown): void {
    const saved = data as ReturnType<SequencerMirror['save']> | undefined;
    if (saved?.transport === undefined || !Array.isArray(saved.sequencers)) return;
    Object.assign(this.transport, saved.transport);
    this.sequencers.clear();
    for (const [id, s] of saved.sequencers) this.sequencers.set(id, upgrade(s));
  }

  /** /seq/get: the configuration as commanded (changes waiting for the next bar included). */
  describe(id: string): Record<string, unknown> | undefined {
    const s = this.sequencers.get(id);
    if (s === undefined) return undefined;
    return {
      id, ...s, stepBeats: (4 / s.division), stepTicks: BAR_TICKS / s.division,
      transport: { ...this.transport },
    };
  }
}

// What the sequencers drive: per sequencer, up to MAX_GATE_TARGETS modules gated by its notes,
// up to MAX_ACCENT_TARGETS params raised on its accented notes, and the param of each of its
// MAX_LANES lanes. Targets are kept by module id (strings, plain data for snapshots) and
// resolved to live instances after every patch and restore; a target whose module is gone (or
// lacks the gate or param) resolves to nothing and is skipped, never an error on the audio path.
//
// Threading: render thread. The add/remove methods run when a control op is applied (no
// allocation beyond the strings they store); `resolve` only reads; snapshot/restore allocate
// and run between blocks.

import type { ModuleInstance } from '../instance.js';
import { findParam } from '../../dsp/spec.js';
import { MAX_ACCENT_TARGETS, MAX_GATE_TARGETS, MAX_LANES, MAX_SEQUENCERS } from './limits.js';

/** Finds live modules by id. */
export interface TargetLookup {
  instance(id: string): ModuleInstance | undefined;
}

/** Plain data (structured-cloneable): every target by name. */
export interface TargetsSnapshot {
  readonly gateModules: readonly string[];
  readonly laneNames: readonly string[];
  readonly laneModules: readonly string[];
  readonly laneParams: readonly string[];
  readonly accentModules: readonly string[];
  readonly accentParams: readonly string[];
  readonly accentAmounts: Float64Array;
}

const G = MAX_GATE_TARGETS;
const A = MAX_ACCENT_TARGETS;
const L = MAX_LANES;

export class SequencerTargets {
  // By name ('' = free slot).
  readonly gateModules: string[] = new Array<string>(MAX_SEQUENCERS * G).fill('');
  readonly laneNames: string[] = new Array<string>(MAX_SEQUENCERS * L).fill('');
  readonly laneModules: string[] = new Array<string>(MAX_SEQUENCERS * L).fill('');
  readonly laneParams: string[] = new Array<string>(MAX_SEQUENCERS * L).fill('');
  readonly accentModules: string[] = new Array<string>(MAX_SEQUENCERS * A).fill('');
  readonly accentParams: string[] = new Array<string>(MAX_SEQUENCERS * A).fill('');
  readonly accentAmounts = new Float64Array(MAX_SEQUENCERS * A);
  // Resolved (undefined / -1: inactive).
  readonly gates: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS * G).fill(undefined);
  /** 1 when the gate target continues a note on a second gate-on (ModuleSpec.legato). */
  readonly gateLegato = new Uint8Array(MAX_SEQUENCERS * G);
  readonly lanes: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS * L).fill(undefined);
  readonly laneIndex = new Int32Array(MAX_SEQUENCERS * L).fill(-1);
  readonly laneMin = new Float64Array(MAX_SEQUENCERS * L);
  readonly laneMax = new Float64Array(MAX_SEQUENCERS * L);
  /** 1 when the lane's param is exp-scaled (slides ramp it geometrically). */
  readonly laneExp = new Uint8Array(MAX_SEQUENCERS * L);
  readonly accents: Array<ModuleInstance | undefined> = new Array<ModuleInstance | undefined>(MAX_SEQUENCERS * A).fill(undefined);
  readonly accentIndex = new Int32Array(MAX_SEQUENCERS * A).fill(-1);
  readonly accentMin = new Float64Array(MAX_SEQUENCERS * A);
  readonly accentMax = new Float64Array(MAX_SEQUENCERS * A);

  /** Adds `module` to sequencer s's gate targets (nothing when it is there or the list is full). */
  addGate(s: number, module: string): void {
    let free = -1;
    for (let g = 0; g < G; g++) {
      const name = this.gateModules[s * G + g];
      if (name === module) return;
      if (name === '' && free < 0) free = g;
    }
    if (free >= 0) this.gateModules[s * G + free] = module;
  }

  /** Removes gate target `module` ('' or null: all of them). */
  removeGate(s: number, module: string | null): void {
    for (let g = 0; g < G; g++) if (module === null || module === '' || this.gateModules[s * G + g] === module) this.gateModules[s * G + g] = '';
  }

  /** Adds accent target module.param with `amount`, or sets the amount of an existing one. */
  addAccent(s: number, module: string, param: string, amount: number): void {
    let free = -1;
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      if (this.accentModules[k] === module && this.accentParams[k] === param) {
        this.accentAmounts[k] = amount;
        return;
      }
      if (this.accentModules[k] === '' && free < 0) free = a;
    }
    if (free < 0) return;
    this.accentModules[s * A + free] = module;
    this.accentParams[s * A + free] = param;
    this.accentAmounts[s * A + free] = amount;
  }

  removeAccent(s: number, module: string, param: string): void {
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      if (this.accentModules[k] === module && this.accentParams[k] === param) {
        this.accentModules[k] = '';
        this.accentParams[k] = '';
        this.accentAmounts[k] = 0;
      }
    }
  }

  /** Lane index of `name` in sequencer s, taking a free lane for a new name when `create`; -1 when none. */
  lane(s: number, name: string, create: boolean): number {
    let free = -1;
    for (let l = 0; l < L; l++) {
      const n = this.laneNames[s * L + l];
      if (n === name) return l;
      if (n === '' && free < 0) free = l;
    }
    if (!create) return -1;
    if (free >= 0) this.laneNames[s * L + free] = name;
    return free;
  }

  setLaneTarget(s: number, l: number, module: string, param: string): void {
    this.laneModules[s * L + l] = module;
    this.laneParams[s * L + l] = param;
  }

  freeLane(s: number, l: number): void {
    this.laneNames[s * L + l] = '';
    this.laneModules[s * L + l] = '';
    this.laneParams[s * L + l] = '';
  }

  /** Forgets every target of sequencer s. */
  clear(s: number): void {
    this.gateModules.fill('', s * G, (s + 1) * G);
    this.accentModules.fill('', s * A, (s + 1) * A);
    this.accentParams.fill('', s * A, (s + 1) * A);
    this.accentAmounts.fill(0, s * A, (s + 1) * A);
    for (let l = 0; l < L; l++) this.freeLane(s, l);
  }

  /** Re-resolves sequencer s's targets against the live modules. */
  resolve(s: number, lookup: TargetLookup): void {
    for (let g = 0; g < G; g++) {
      const k = s * G + g;
      const name = this.gateModules[k]!;
      const gate = name === '' ? undefined : lookup.instance(name);
      this.gates[k] = gate !== undefined && gate.definition.spec.gate ? gate : undefined;
      this.gateLegato[k] = gate !== undefined && gate.definition.spec.legato === true ? 1 : 0;
    }
    for (let l = 0; l < L; l++) {
      const k = s * L + l;
      const resolved = resolveParam(lookup, this.laneModules[k]!, this.laneParams[k]!);
      this.lanes[k] = resolved?.instance;
      this.laneIndex[k] = resolved?.index ?? -1;
      this.laneMin[k] = resolved?.min ?? 0;
      this.laneMax[k] = resolved?.max ?? 0;
      this.laneExp[k] = resolved?.exp === true ? 1 : 0;
    }
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      const resolved = resolveParam(lookup, this.accentModules[k]!, this.accentParams[k]!);
      this.accents[k] = resolved?.instance;
      this.accentIndex[k] = resolved?.index ?? -1;
      this.accentMin[k] = resolved?.min ?? 0;
      this.accentMax[k] = resolved?.max ?? 0;
    }
  }

  snapshot(): TargetsSnapshot {
    return {
      gateModules: this.gateModules.slice(),
      laneNames: this.laneNames.slice(),
      laneModules: this.laneModules.slice(),
      laneParams: this.laneParams.slice(),
      accentModules: this.accentModules.slice(),
      accentParams: this.accentParams.slice(),
      accentAmounts: this.accentAmounts.slice(),
    };
  }

  restore(snap: TargetsSnapshot): void {
    copyStrings(this.gateModules, snap.gateModules);
    copyStrings(this.laneNames, snap.laneNames);
    copyStrings(this.laneModules, snap.laneModules);
    copyStrings(this.laneParams, snap.laneParams);
    copyStrings(this.accentModules, snap.accentModules);
    copyStrings(this.accentParams, snap.accentParams);
    this.accentAmounts.set(snap.accentAmounts);
  }
}

function resolveParam(lookup: TargetLookup, module: string, param: string): { instance: ModuleInstance; index: number; min: number; max: number; exp: boolean } | undefined {
  if (module === '') return undefined;
  const instance = lookup.instance(module);
  if (instance === undefined) return undefined;
  const spec = instance.definition.spec;
  const p = findParam(spec, param);
  if (p === undefined) return undefined;
  return { instance, index: spec.params.indexOf(p), min: p.min, max: p.max, exp: p.scale === 'exp' };
}

export function copyStrings(target: string[], source: readonly string[]): void {
  if (source.length !== target.length) throw new Error('sequencer snapshot has the wrong shape');
  for (let i = 0; i < target.length; i++) target[i] = source[i]!;
}

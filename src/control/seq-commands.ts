// Parses and validates the sequencer addresses of the command language (`/seq/...`) into
// control ops (engine/sequencer/ops.ts), against the sequencer mirror and the live patch.
// Shared by the live server (command table) and the offline renderer (scores). On success the
// caller applies the op to the mirror once it is sent, so later commands see it.
//
// Errors fail the command; things that are allowed but probably not meant (a pattern longer
// than the sequencer plays, a target not in the live patch yet, an accent clamped by its param's
// range, a replaced lane target) are accepted with warnings, which the server appends to the
// `/done` reply and a score render prints.
//
// Threading: main thread / offline; allocates.

import { findParam, type ModuleSpec } from '../dsp/spec.js';
import {
  MAX_ACCENT_TARGETS, MAX_BPM, MAX_GATE_LEN, MAX_GATE_TARGETS, MAX_GLIDE_MS, MAX_LANES, MAX_SEQUENCERS, MAX_STEPS, MAX_SWING, MIN_BPM, MIN_GATE_LEN,
  VALID_DIVISIONS, validDivision,
} from '../engine/sequencer/limits.js';
import { parseLaneValues } from '../engine/sequencer/notes.js';
import { STEP_LANE_KINDS, type ControlOp, type StepLaneKind } from '../engine/sequencer/ops.js';
import { normalisePattern } from '../engine/sequencer/pattern.js';
import type { CommandError, ModuleLookup } from './address.js';
import type { FailCode } from './error-codes.js';
import type { SequencerMirror } from './seq-mirror.js';


const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

export type SeqResult = { ok: true; op: ControlOp; warnings?: string[] } | { ok: false; error: CommandError };

const fail = (code: FailCode, message: string): SeqResult => ({ ok: false, error: { code, message } });
const ok = (op: ControlOp, warnings: readonly string[] = []): SeqResult => (warnings.length === 0 ? { ok: true, op } : { ok: true, op, warnings: [...warnings] });

/** True when the address belongs to the sequencer command set. */
export function isSeqAddress(address: string): boolean {
  return address.startsWith('/seq/');
}

function isImmediate(flag: unknown): boolean {
  return flag === 1 || flag === true || flag === 'now' || flag === 'immediate';
}

/**
 * `lookup` finds a module of the live patch; `staged` one of the staged patch (to check the
 * param of a target that is staged but not committed yet).
 */
export function parseSeqCommand(address: string, args: readonly unknown[], mirror: SequencerMirror, lookup: ModuleLookup, staged: ModuleLookup = () => undefined): SeqResult {
  const name = address.slice('/seq/'.length);
  const count = (min: number, max: number, usage: string): SeqResult | undefined =>
    args.length < min || args.length > max ? fail('E_BAD_ARGS', `${address} takes ${usage}; got ${args.length} arguments`) : undefined;
  const num = (i: number, what: string): number | SeqResult => {
    const v = args[i];
    return typeof v === 'number' && Number.isFinite(v) ? v : fail('E_BAD_ARGS', `${what} must be a number, got ${JSON.stringify(v)}`);
  };
  const existing = (i: number): string | SeqResult => {
    const id = args[i];
    if (typeof id !== 'string') return fail('E_BAD_ARGS', `the sequencer id must be a string, got ${JSON.stringify(id)}`);
    return mirror.sequencers.has(id) ? id : fail('E_UNKNOWN_SEQ', `no sequencer '${id}'`);
  };
  const warnings: string[] = [];
  /** The spec of `module` (live, else staged, with a warning); undefined and a warning when neither has it. */
  const target = (module: string): ModuleSpec | undefined => {
    const live = lookup(module);
    if (live !== undefined) return live;
    const later = staged(module);
    warnings.push(later === undefined
      ? `module '${module}' is not in the live patch: the target is inactive until a commit adds it`
      : `module '${module}' is staged, not live yet: the target is inactive until /patch/commit`);
    return later;
  };
  const moduleParam = (module: unknown, param: unknown): SeqResult | undefined => {
    if (typeof module !== 'string' || typeof param !== 'string') return fail('E_BAD_ARGS', 'module and param must be strings');
    const spec = target(module);
    if (spec !== undefined && findParam(spec, param) === undefined) return fail('E_UNKNOWN_PARAM', `module '${module}' (${spec.type}) has no param '${param}'`);
    return undefined;
  };
  const longer = (what: string, length: number, id: string): void => {
    const steps = mirror.sequencers.get(id)!.steps;
    if (length > steps) warnings.push(`${what} has ${length} steps, sequencer '${id}' plays ${steps}: steps ${steps + 1}–${length} are never played (/seq/config ${id} ${length} ...)`);
  };
  let bad: SeqResult | undefined;
  switch (name) {
    case 'bpm': {
      if ((bad = count(1, 1, '<bpm>'))) return bad;
      const bpm = num(0, 'bpm');
      if (typeof bpm !== 'number') return bpm;
      if (!(bpm >= MIN_BPM && bpm <= MAX_BPM)) return fail('E_RANGE', `bpm must be within [${MIN_BPM}, ${MAX_BPM}], got ${bpm}`);
      return { ok: true, op: { op: 'transport.bpm', bpm } };
    }
    case 'swing': {
      if ((bad = count(1, 1, '<swing>'))) return bad;
      const swing = num(0, 'swing');
      if (typeof swing !== 'number') return swing;
      if (!(swing >= 0 && swing <= MAX_SWING)) return fail('E_RANGE', `swing must be within [0, ${MAX_SWING}], got ${swing}`);
      return { ok: true, op: { op: 'transport.swing', swing } };
    }
    case 'start':
    case 'stop':
    case 'reset':
    case 'delete': {
      if (name === 'start' || name === 'stop') {
        if ((bad = count(0, 1, '[id]'))) return bad;
        if (args.length === 0) return { ok: true, op: { op: name === 'start' ? 'transport.start' : 'transport.stop' } };
      } else if ((bad = count(1, 1, '<id>'))) {
        return bad;
      }
      const id = existing(0);
      if (typeof id !== 'string') return id;
      return { ok: true, op: { op: `seq.${name}`, id } as ControlOp };
    }
    case 'reset_all':
      if ((bad = count(0, 0, 'no arguments'))) return bad;
      return { ok: true, op: { op: 'seq.reset_all' } };
    case 'create': {
      if ((bad = count(1, 1, '<id>'))) return bad;
      const id = args[0];
      if (typeof id !== 'string' || !ID.test(id)) return fail('E_BAD_ARGS', `a sequencer id is 1–32 characters [A-Za-z0-9_.-], got ${JSON.stringify(id)}`);
      if (mirror.sequencers.has(id)) return fail('E_SEQ_EXISTS', `sequencer '${id}' exists`);
      if (mirror.sequencers.size >= MAX_SEQUENCERS) return fail('E_SEQ_LIMIT', `at most ${MAX_SEQUENCERS} sequencers`);
      return { ok: true, op: { op: 'seq.create', id } };
    }
    case 'config': {
      if ((bad = count(3, 4, '<id> <steps> <division> [now]'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const steps = num(1, 'steps');
      if (typeof steps !== 'number') return steps;
      const division = num(2, 'division');
      if (typeof division !== 'number') return division;
      if (!(Number.isInteger(steps) && steps >= 1 && steps <= MAX_STEPS)) return fail('E_RANGE', `steps must be an integer within [1, ${MAX_STEPS}], got ${steps}`);
      if (!validDivision(division)) return fail('E_RANGE', `division must be one of ${VALID_DIVISIONS.join(', ')} (a step lasts 4/division beats), got ${division}`);
      const s = mirror.sequencers.get(id)!;
      const used = Math.max(s.pattern.length, ...Object.values(s.lanes).map((l) => l.values.length), ...Object.values(s.stepLanes).map((v) => v.length));
      if (used > steps) warnings.push(`sequencer '${id}' has a pattern or lane of ${used} steps: steps ${steps + 1}–${used} are never played`);
      return ok({ op: 'seq.config', id, steps, division, immediate: isImmediate(args[3]) }, warnings);
    }
    case 'pattern': {
      if ((bad = count(2, 3, '<id> <pattern> [now]'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      if (typeof args[1] !== 'string') return fail('E_BAD_ARGS', 'the pattern must be a string');
      const pattern = normalisePattern(args[1]);
      if (!pattern.ok) return fail('E_BAD_PATTERN', pattern.message);
      if (pattern.pattern.length > MAX_STEPS) return fail('E_BAD_PATTERN', `a pattern has at most ${MAX_STEPS} steps, got ${pattern.pattern.length}`);
      longer('the pattern', pattern.pattern.length, id);
      return ok({ op: 'seq.pattern', id, pattern: pattern.pattern, immediate: isImmediate(args[2]) }, warnings);
    }
    case 'assign': {
      if ((bad = count(3, 5, '<id> gate <module> | <id> accent <module> <param> <amount> | <id> param <lane> <module> <param>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const s = mirror.sequencers.get(id)!;
      if (args[1] === 'gate') {
        if ((bad = count(3, 3, '<id> gate <module>'))) return bad;
        const module = args[2];
        if (typeof module !== 'string') return fail('E_BAD_ARGS', 'module must be a string');
        const spec = target(module);
        if (spec !== undefined && !spec.gate) return fail('E_NO_GATE', `module '${module}' (${spec.type}) does not take gates`);
        if (s.gates.includes(module)) warnings.push(`'${module}' is already a gate target of '${id}' (gate targets: ${s.gates.join(', ')})`);
        else if (s.gates.length >= MAX_GATE_TARGETS) return fail('E_SEQ_LIMIT', `at most ${MAX_GATE_TARGETS} gate targets per sequencer (${s.gates.join(', ')}); /seq/unassign ${id} gate <module> first`);
        return ok({ op: 'seq.gate', id, module }, warnings);
      }
      if (args[1] === 'accent') {
        if ((bad = count(5, 5, '<id> accent <module> <param> <amount>'))) return bad;
        return accent(id, args[2], args[3], args[4]);
      }
      if (args[1] === 'param') {
        if ((bad = count(5, 5, '<id> param <lane> <module> <param>'))) return bad;
        const lane = laneName(args[2]);
        if (lane === undefined) return fail('E_BAD_ARGS', `a lane name is a string or number, got ${JSON.stringify(args[2])}`);
        if (isStepLane(lane)) return fail('E_BAD_ARGS', `'${lane}' is a step lane of every sequencer (${STEP_LANE_KINDS.join(', ')}): /seq/lane ${id} ${lane} <values...> needs no assign; name the param lane otherwise`);
        if ((bad = moduleParam(args[3], args[4]))) return bad;
        if ((bad = laneRoom(mirror, id, lane))) return bad;
        const old = s.lanes[lane];
        if (old?.module != null && (old.module !== args[3] || old.param !== args[4])) warnings.push(`lane '${lane}' drove ${old.module}.${String(old.param)}; it now drives ${String(args[3])}.${String(args[4])}`);
        return ok({ op: 'seq.param', id, lane, module: args[3] as string, param: args[4] as string }, warnings);
      }
      return fail('E_BAD_ARGS', `/seq/assign <id> gate <module>, /seq/assign <id> accent <module> <param> <amount> or /seq/assign <id> param <lane> <module> <param>; got '${String(args[1])}'`);
    }
    case 'unassign': {
      if ((bad = count(3, 4, '<id> gate <module> | <id> accent <module> <param> | <id> param <lane>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const s = mirror.sequencers.get(id)!;
      const what = args[1];
      if (what === 'gate' && typeof args[2] === 'string' && args.length === 3) {
        if (!s.gates.includes(args[2])) return fail('E_NOT_ASSIGNED', `'${args[2]}' is not a gate target of '${id}' (gate targets: ${s.gates.join(', ') || 'none'})`);
        return ok({ op: 'seq.unassign', id, what, module: args[2] });
      }
      if (what === 'accent' && typeof args[2] === 'string' && typeof args[3] === 'string') {
        const [module, param] = [args[2], args[3]];
        if (!s.accents.some((a) => a.module === module && a.param === param)) return fail('E_NOT_ASSIGNED', `${module}.${param} is not an accent target of '${id}'`);
        return ok({ op: 'seq.unassign', id, what, module, param });
      }
      if (what === 'param' && args.length === 3) {
        const lane = laneName(args[2]);
        if (lane === undefined || s.lanes[lane] === undefined) return fail('E_NOT_ASSIGNED', `sequencer '${id}' has no lane ${JSON.stringify(args[2])}`);
        return ok({ op: 'seq.unassign', id, what, lane });
      }
      return fail('E_BAD_ARGS', `/seq/unassign <id> gate <module>, <id> accent <module> <param> or <id> param <lane>`);
    }
    case 'lane': {
      if (args.length < 3) return fail('E_BAD_ARGS', `${address} takes <id> <lane> <values...> [now]`);
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const lane = laneName(args[1]);
      if (lane === undefined) return fail('E_BAD_ARGS', `a lane name is a string or number, got ${JSON.stringify(args[1])}`);
      const immediate = args[args.length - 1] === 'now';
      const valueArgs = args.slice(2, immediate ? -1 : undefined);
      if (isStepLane(lane)) return stepLane(id, lane, valueArgs, immediate);
      const parsed = parseLaneValues(valueArgs);
      if (!parsed.ok) return fail('E_BAD_VALUE', parsed.message);
      if (parsed.values.length === 0 || parsed.values.length > MAX_STEPS) return fail('E_BAD_ARGS', `a lane has 1–${MAX_STEPS} values, got ${parsed.values.length}`);
      if ((bad = laneRoom(mirror, id, lane))) return bad;
      if (mirror.sequencers.get(id)!.lanes[lane]?.module == null) warnings.push(`lane '${lane}' has no target yet: /seq/assign ${id} param ${lane} <module> <param>`);
      longer(`lane '${lane}'`, parsed.values.length, id);
      return ok({ op: 'seq.lane', id, lane, values: parsed.values, immediate }, warnings);
    }
    case 'gate_len': {
      if ((bad = count(2, 2, '<id> <fraction>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const gateLen = num(1, 'gate_len');
      if (typeof gateLen !== 'number') return gateLen;
      if (!(gateLen >= MIN_GATE_LEN && gateLen <= MAX_GATE_LEN)) return fail('E_RANGE', `gate_len must be within [${MIN_GATE_LEN}, ${MAX_GATE_LEN}], got ${gateLen}`);
      return { ok: true, op: { op: 'seq.gate_len', id, gateLen } };
    }
    case 'accent': {
      if ((bad = count(4, 4, '<id> <module> <param> <amount>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      return accent(id, args[1], args[2], args[3]);
    }
    case 'glide': {
      if ((bad = count(2, 2, '<id> <ms>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const ms = num(1, 'glide');
      if (typeof ms !== 'number') return ms;
      if (!(ms >= 0 && ms <= MAX_GLIDE_MS)) return fail('E_RANGE', `glide must be within [0, ${MAX_GLIDE_MS}] ms, got ${ms}`);
      return ok({ op: 'seq.glide', id, ms });
    }
    case 'seed': {
      if ((bad = count(2, 2, '<id> <seed>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const seed = num(1, 'seed');
      if (typeof seed !== 'number') return seed;
      if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) return fail('E_RANGE', `a seed is an integer within [0, 4294967295], got ${seed}`);
      return ok({ op: 'seq.seed', id, seed });
    }
    default:
      return fail('E_UNKNOWN_ADDRESS', `unknown address ${address}`);
  }

  /** An accent target: module.param must take a number (not an enum); clamping and replacing warn. */
  function accent(id: string, module: unknown, param: unknown, amountArg: unknown): SeqResult {
    const problem = moduleParam(module, param);
    if (problem !== undefined) return problem;
    if (typeof amountArg !== 'number' || !Number.isFinite(amountArg)) return fail('E_BAD_ARGS', `amount must be a number, got ${JSON.stringify(amountArg)}`);
    const [m, p, amount] = [module as string, param as string, amountArg];
    const spec = lookup(m) ?? staged(m);
    const paramSpec = spec === undefined ? undefined : findParam(spec, p);
    if (paramSpec !== undefined) {
      if (paramSpec.unit === 'enum') return fail('E_NO_ACCENT', `${m}.${p} is an enum (${paramSpec.labels?.join('|') ?? ''}): an accent cannot add to it`);
      if (amount === 0) warnings.push(`an accent amount of 0 changes nothing`);
      else if (Math.abs(amount) >= paramSpec.max - paramSpec.min) warnings.push(`${m}.${p} spans [${paramSpec.min}, ${paramSpec.max}] ${paramSpec.unit}: an accent of ${amount} is clamped to that range`);
    }
    const s = mirror.sequencers.get(id)!;
    const existingAccent = s.accents.find((a) => a.module === m && a.param === p);
    if (existingAccent !== undefined) warnings.push(`${m}.${p} was already an accent target of '${id}' (amount ${existingAccent.amount}); its amount is now ${amount}`);
    else if (s.accents.length >= MAX_ACCENT_TARGETS) return fail('E_SEQ_LIMIT', `at most ${MAX_ACCENT_TARGETS} accent targets per sequencer; /seq/unassign ${id} accent <module> <param> first`);
    return ok({ op: 'seq.accent', id, module: m, param: p, amount }, warnings);
  }

  /** `/seq/lane <id> velocity|length|prob|cond <values...>`: the step lanes. */
  function stepLane(id: string, kind: StepLaneKind, valueArgs: readonly unknown[], immediate: boolean): SeqResult {
    const parts: unknown[] = [];
    for (const a of valueArgs) parts.push(...(typeof a === 'string' ? a.split(/[\s,|]+/).filter((x) => x.length > 0) : [a]));
    if (parts.length === 0 || parts.length > MAX_STEPS) return fail('E_BAD_ARGS', `a lane has 1–${MAX_STEPS} values, got ${parts.length}`);
    const values: Array<number | null> = [];
    const of: Array<number | null> = [];
    for (const part of parts) {
      if (part === '-' || part === '.') {
        values.push(null);
        of.push(null);
        continue;
      }
      if (kind === 'cond') {
        const m = typeof part === 'string' ? /^(\d{1,2}):(\d{1,2})$/.exec(part) : null;
        const n = m === null ? Number.NaN : Number(m[1]);
        const total = m === null ? Number.NaN : Number(m[2]);
        if (!(n >= 1 && n <= total && total <= MAX_STEPS)) return fail('E_BAD_VALUE', `a cond value is N:M (play in bar N of every M, 1 ≤ N ≤ M ≤ ${MAX_STEPS}) or -, got ${JSON.stringify(part)}`);
        values.push(n);
        of.push(total);
        continue;
      }
      const v = typeof part === 'number' ? part : typeof part === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(part) ? Number(part) : Number.NaN;
      const [lo, hi] = kind === 'length' ? [MIN_GATE_LEN, MAX_GATE_LEN] : [0, 1];
      if (!(v >= lo && v <= hi)) return fail(Number.isNaN(v) ? 'E_BAD_VALUE' : 'E_RANGE', `${kind} values are numbers within [${lo}, ${hi}] or -, got ${JSON.stringify(part)}`);
      values.push(v);
    }
    longer(`the ${kind} lane`, values.length, id);
    return ok(kind === 'cond' ? { op: 'seq.steps', id, kind, values, of, immediate } : { op: 'seq.steps', id, kind, values, immediate }, warnings);
  }
}

function isStepLane(lane: string): lane is StepLaneKind {
  return (STEP_LANE_KINDS as readonly string[]).includes(lane);
}

function laneName(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.length > 0 && value.length <= 32 ? value : undefined;
}

function laneRoom(mirror: SequencerMirror, id: string, lane: string): SeqResult | undefined {
  const lanes = mirror.sequencers.get(id)!.lanes;
  if (lanes[lane] === undefined && Object.keys(lanes).length >= MAX_LANES) return fail('E_SEQ_LIMIT', `at most ${MAX_LANES} lanes per sequencer`);
  return undefined;
}

// Parses and validates the sequencer addresses of the command language (`/seq/...`) into
// control ops (engine/sequencer/ops.ts), against the sequencer mirror and the live patch.
// Shared by the live server (command table) and the offline renderer (scores). On success the
// caller applies the op to the mirror once it is sent, so later commands see it.
//
// Threading: main thread / offline; allocates.

import { findParam } from '../dsp/spec.js';
import {
  MAX_BPM, MAX_GATE_LEN, MAX_LANES, MAX_SEQUENCERS, MAX_STEPS, MAX_SWING, MIN_BPM, MIN_GATE_LEN, VALID_DIVISIONS, validDivision,
} from '../engine/sequencer/limits.js';
import { parseLaneValues } from '../engine/sequencer/notes.js';
import type { ControlOp } from '../engine/sequencer/ops.js';
import { normalisePattern } from '../engine/sequencer/pattern.js';
import type { CommandError, ModuleLookup } from './address.js';
import type { FailCode } from './error-codes.js';
import type { SequencerMirror } from './seq-mirror.js';


const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

export type SeqResult = { ok: true; op: ControlOp } | { ok: false; error: CommandError };

const fail = (code: FailCode, message: string): SeqResult => ({ ok: false, error: { code, message } });

/** True when the address belongs to the sequencer command set. */
export function isSeqAddress(address: string): boolean {
  return address.startsWith('/seq/');
}

function isImmediate(flag: unknown): boolean {
  return flag === 1 || flag === true || flag === 'now' || flag === 'immediate';
}

export function parseSeqCommand(address: string, args: readonly unknown[], mirror: SequencerMirror, lookup: ModuleLookup): SeqResult {
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
  const moduleParam = (module: unknown, param: unknown): SeqResult | undefined => {
    if (typeof module !== 'string' || typeof param !== 'string') return fail('E_BAD_ARGS', 'module and param must be strings');
    const spec = lookup(module);
    if (spec === undefined) return fail('E_UNKNOWN_MODULE', `no module '${module}'`);
    if (findParam(spec, param) === undefined) return fail('E_UNKNOWN_PARAM', `module '${module}' (${spec.type}) has no param '${param}'`);
    return undefined;
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
      return { ok: true, op: { op: 'seq.config', id, steps, division, immediate: isImmediate(args[3]) } };
    }
    case 'pattern': {
      if ((bad = count(2, 3, '<id> <pattern> [now]'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      if (typeof args[1] !== 'string') return fail('E_BAD_ARGS', 'the pattern must be a string');
      const pattern = normalisePattern(args[1]);
      if (!pattern.ok) return fail('E_BAD_PATTERN', pattern.message);
      if (pattern.pattern.length > MAX_STEPS) return fail('E_BAD_PATTERN', `a pattern has at most ${MAX_STEPS} steps, got ${pattern.pattern.length}`);
      return { ok: true, op: { op: 'seq.pattern', id, pattern: pattern.pattern, immediate: isImmediate(args[2]) } };
    }
    case 'assign': {
      if ((bad = count(3, 5, '<id> gate <module> | <id> param <lane> <module> <param>'))) return bad;
      const id = existing(0);
      if (typeof id !== 'string') return id;
      if (args[1] === 'gate') {
        if ((bad = count(3, 3, '<id> gate <module>'))) return bad;
        const module = args[2];
        if (typeof module !== 'string') return fail('E_BAD_ARGS', 'module must be a string');
        const spec = lookup(module);
        if (spec === undefined) return fail('E_UNKNOWN_MODULE', `no module '${module}'`);
        if (!spec.gate) return fail('E_NO_GATE', `module '${module}' (${spec.type}) does not take gates`);
        return { ok: true, op: { op: 'seq.gate', id, module } };
      }
      if (args[1] === 'param') {
        if ((bad = count(5, 5, '<id> param <lane> <module> <param>'))) return bad;
        const lane = laneName(args[2]);
        if (lane === undefined) return fail('E_BAD_ARGS', `a lane name is a string or number, got ${JSON.stringify(args[2])}`);
        if ((bad = moduleParam(args[3], args[4]))) return bad;
        if ((bad = laneRoom(mirror, id, lane))) return bad;
        return { ok: true, op: { op: 'seq.param', id, lane, module: args[3] as string, param: args[4] as string } };
      }
      return fail('E_BAD_ARGS', `/seq/assign <id> gate <module> or /seq/assign <id> param <lane> <module> <param>; got '${String(args[1])}'`);
    }
    case 'lane': {
      if (args.length < 3) return fail('E_BAD_ARGS', `${address} takes <id> <lane> <values...> [now]`);
      const id = existing(0);
      if (typeof id !== 'string') return id;
      const lane = laneName(args[1]);
      if (lane === undefined) return fail('E_BAD_ARGS', `a lane name is a string or number, got ${JSON.stringify(args[1])}`);
      const immediate = args[args.length - 1] === 'now';
      const parsed = parseLaneValues(args.slice(2, immediate ? -1 : undefined));
      if (!parsed.ok) return fail('E_BAD_VALUE', parsed.message);
      if (parsed.values.length === 0 || parsed.values.length > MAX_STEPS) return fail('E_BAD_ARGS', `a lane has 1–${MAX_STEPS} values, got ${parsed.values.length}`);
      if ((bad = laneRoom(mirror, id, lane))) return bad;
      return { ok: true, op: { op: 'seq.lane', id, lane, values: parsed.values, immediate } };
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
      if ((bad = moduleParam(args[1], args[2]))) return bad;
      const amount = num(3, 'amount');
      if (typeof amount !== 'number') return amount;
      return { ok: true, op: { op: 'seq.accent', id, module: args[1] as string, param: args[2] as string, amount } };
    }
    default:
      return fail('E_UNKNOWN_ADDRESS', `unknown address ${address}`);
  }
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

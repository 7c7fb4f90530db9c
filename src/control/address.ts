// Parses the arguments of the module-control commands (`/mod/<id>/<param> <value>`,
// `/gate/<id> <value>`, `/module/reset <id>`) into engine commands, validated against the
// live patch. The address has been parsed once already, by the command table's lookup: these
// functions take its path segments. Modules are found by id (a map lookup), never by scanning
// the patch. Shared by the live server and scores (the offline renderer).
//
// Threading: main thread / offline; allocates.

import { findParam, paramValueFromInput, type ModuleSpec } from '../dsp/spec.js';
import type { EngineCommand } from '../runtime/engine-command.js';
import type { CommandErrorCode, Failure } from './error-codes.js';
import type { LiveEntry } from './live-values.js';

/** A module command's failure (a registered code: error-codes.ts). */
export type CommandError = Failure;

/** A module command for the engine, and the live module it names. */
export type CommandResult = { ok: true; command: EngineCommand; module: LiveEntry } | { ok: false; error: CommandError };

/** Finds the spec of a live module by id. */
export type ModuleLookup = (id: string) => ModuleSpec | undefined;

/** Where live modules are found by id (one map lookup): the patch editor. */
export interface LiveModules {
  liveModule(id: string): LiveEntry | undefined;
}


function fail(code: CommandErrorCode, message: string): CommandResult {
  return { ok: false, error: { code, message } };
}

/**
 * Gate values, read as a velocity: 0 is off, a value in (0, 1] is on with that velocity.
 * Numbers > 0 are on (values above 1 are full velocity, 1), ≤ 0 off; booleans true/false; the
 * strings "on"/"true" (1) and "off"/"false" (0), or a number written as text ("0.6"). The old
 * system read the string "off" as on; here it is off. undefined: not a gate value.
 */
export function parseGate(value: unknown): number | undefined {
  if (typeof value === 'number') return gateVelocity(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'on' || v === 'true') return 1;
    if (v === 'off' || v === 'false') return 0;
    if (v !== '' && /^[-+0-9.e]+$/.test(v)) return gateVelocity(Number(v));
  }
  return undefined;
}

/** A numeric gate value as a velocity: ≤ 0 → 0 (off), (0, 1] as is, > 1 → 1; NaN/±∞ → undefined. */
function gateVelocity(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  return value <= 0 ? 0 : value >= 1 ? 1 : value;
}

/** Longest automation ramp: one hour. */
export const MAX_RAMP_MS = 3_600_000;

/**
 * `/mod/<id>/<param> <value>`: a smoothed param change; `/mod/<id>/<param> <value> <ms> [curve]`:
 * an automation ramp from the param's value at the command's frame to `value` over `ms`
 * (curve `lin` or `exp`; default exp for params whose spec scale is exp, else lin).
 */
export function parseParamSet(id: string, name: string, args: readonly unknown[], modules: LiveModules): CommandResult {
  const module = modules.liveModule(id);
  if (module === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
  const spec = module.spec;
  const param = findParam(spec, name);
  if (param === undefined) {
    return fail('E_UNKNOWN_PARAM', `module '${id}' (${spec.type}) has no param '${name}'; params: ${spec.params.map((p) => p.id).join(', ')}`);
  }
  if (args.length < 1 || args.length > 3) return fail('E_BAD_ARGS', `/mod/${id}/${name} takes <value> [<ms> [lin|exp]], got ${args.length} arguments`);
  if (param.tempoSync === true && typeof args[0] === 'string') {
    // A note value must follow the transport: that is a patch value (the engine keeps it synced).
    return fail('E_BAD_ARGS', `/mod/${id}/${name} takes ms; a note value (${JSON.stringify(args[0])}) follows the tempo only as a patch value: /patch/set ${id} ${param.id} ${String(args[0])}, then /patch/commit`);
  }
  const value = paramValueFromInput(param, args[0]);
  if (value === undefined) {
    const expected = param.unit === 'enum' ? `one of ${param.labels?.join('|')} or an index` : 'a number';
    return fail('E_BAD_ARGS', `/mod/${id}/${name} expects ${expected}, got ${JSON.stringify(args[0])}`);
  }
  if (value < param.min || value > param.max || (param.unit === 'enum' && !Number.isInteger(value))) {
    return fail('E_PARAM_RANGE', `${id}.${param.id} must be within [${param.min}, ${param.max}] ${param.unit}, got ${value}`);
  }
  const index = spec.params.indexOf(param);
  if (args.length === 1) return { ok: true, command: { kind: 'param', handle: module.handle, index, value }, module };
  const ms = args[1];
  if (typeof ms !== 'number' || !(ms >= 0 && ms <= MAX_RAMP_MS)) return fail('E_BAD_ARGS', `/mod/${id}/${name}: a ramp time is a number of ms within [0, ${MAX_RAMP_MS}], got ${JSON.stringify(ms)}`);
  if (param.unit === 'enum') return fail('E_BAD_ARGS', `/mod/${id}/${name}: an enum param cannot ramp`);
  const curve = args[2] ?? (param.scale === 'exp' ? 'exp' : 'lin');
  if (curve !== 'lin' && curve !== 'exp') return fail('E_BAD_ARGS', `/mod/${id}/${name}: the curve is lin or exp, got ${JSON.stringify(curve)}`);
  return { ok: true, command: { kind: 'ramp', handle: module.handle, index, value, ms, curve }, module };
}

/** `/gate/<id> <value>`. */
export function parseGateCommand(id: string, args: readonly unknown[], modules: LiveModules): CommandResult {
  const module = modules.liveModule(id);
  if (module === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
  if (!module.spec.gate) return fail('E_NO_GATE', `module '${id}' (${module.spec.type}) does not take gates`);
  if (args.length !== 1) return fail('E_BAD_ARGS', `/gate/${id} takes one value (a velocity in (0, 1] or 0, true/false, on/off)`);
  const velocity = parseGate(args[0]);
  if (velocity === undefined) return fail('E_BAD_ARGS', `/gate/${id}: cannot read ${JSON.stringify(args[0])} as a velocity or on/off`);
  const command: EngineCommand = velocity > 0 ? { kind: 'gate', handle: module.handle, on: true, velocity } : { kind: 'gate', handle: module.handle, on: false };
  return { ok: true, command, module };
}

/** `/module/reset <id>`. */
export function parseResetCommand(args: readonly unknown[], modules: LiveModules): CommandResult {
  const id = args[0];
  if (args.length !== 1 || typeof id !== 'string') return fail('E_BAD_ARGS', '/module/reset takes one module id');
  const module = modules.liveModule(id);
  if (module === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
  return { ok: true, command: { kind: 'reset', handle: module.handle }, module };
}

// Parses the module-control addresses of the command language (`/mod/<id>/<param> <value>`,
// `/gate/<id> <value>`, `/module/reset <id>`) into engine commands, validated against the
// live patch. Shared by the offline renderer (scores) and the live server.
//
// Threading: main thread / offline; allocates.

import { findParam, paramValueFromInput, type ModuleSpec } from '../dsp/spec.js';

export type ModuleCommand =
  | { readonly kind: 'param'; readonly id: string; readonly param: number; readonly value: number }
  | { readonly kind: 'gate'; readonly id: string; readonly on: boolean }
  | { readonly kind: 'reset'; readonly id: string };

export interface CommandError {
  readonly code: string;
  readonly message: string;
}

export type CommandResult = { ok: true; command: ModuleCommand } | { ok: false; error: CommandError };

/** Finds the spec of a live module by id. */
export type ModuleLookup = (id: string) => ModuleSpec | undefined;

export const COMMAND_ERRORS = {
  E_UNKNOWN_ADDRESS: 'No command at this address.',
  E_UNKNOWN_MODULE: 'No module with this id in the live patch.',
  E_UNKNOWN_PARAM: 'The module has no param with this name.',
  E_BAD_ARGS: 'Wrong number or type of arguments.',
  E_PARAM_RANGE: 'Value outside the param range.',
  E_NO_GATE: 'The module does not take gates.',
} as const;

export type CommandErrorCode = keyof typeof COMMAND_ERRORS;

function fail(code: CommandErrorCode, message: string): CommandResult {
  return { ok: false, error: { code, message } };
}

/**
 * Gate values: numbers (> 0 is on), booleans, and the strings "on"/"off", "true"/"false",
 * "1"/"0" (the old system read the string "off" as on; here it is off).
 */
export function parseGate(value: unknown): boolean | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value > 0 : undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'on' || v === 'true' || v === '1') return true;
    if (v === 'off' || v === 'false' || v === '0') return false;
  }
  return undefined;
}

export function parseModuleCommand(address: string, args: readonly unknown[], lookup: ModuleLookup): CommandResult {
  const parts = address.split('/');
  // parts[0] is '' for a leading slash.
  if (parts[0] !== '') return fail('E_UNKNOWN_ADDRESS', `address must start with '/': ${address}`);
  if (parts[1] === 'mod' && parts.length === 4) return parseMod(parts[2]!, parts[3]!, args, lookup);
  if (parts[1] === 'gate' && parts.length === 3) return parseGateCommand(parts[2]!, args, lookup);
  if (address === '/module/reset') {
    const id = args[0];
    if (args.length !== 1 || typeof id !== 'string') return fail('E_BAD_ARGS', '/module/reset takes one module id');
    if (lookup(id) === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
    return { ok: true, command: { kind: 'reset', id } };
  }
  return fail('E_UNKNOWN_ADDRESS', `unknown address ${address}`);
}

function parseMod(id: string, name: string, args: readonly unknown[], lookup: ModuleLookup): CommandResult {
  const spec = lookup(id);
  if (spec === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
  const param = findParam(spec, name);
  if (param === undefined) {
    return fail('E_UNKNOWN_PARAM', `module '${id}' (${spec.type}) has no param '${name}'; params: ${spec.params.map((p) => p.id).join(', ')}`);
  }
  if (args.length !== 1) return fail('E_BAD_ARGS', `/mod/${id}/${name} takes one value, got ${args.length}`);
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
  return { ok: true, command: { kind: 'param', id, param: spec.params.indexOf(param), value } };
}

function parseGateCommand(id: string, args: readonly unknown[], lookup: ModuleLookup): CommandResult {
  const spec = lookup(id);
  if (spec === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}'`);
  if (!spec.gate) return fail('E_NO_GATE', `module '${id}' (${spec.type}) does not take gates`);
  if (args.length !== 1) return fail('E_BAD_ARGS', `/gate/${id} takes one value (1/0, true/false, on/off)`);
  const on = parseGate(args[0]);
  if (on === undefined) return fail('E_BAD_ARGS', `/gate/${id}: cannot read ${JSON.stringify(args[0])} as on/off`);
  return { ok: true, command: { kind: 'gate', id, on } };
}

// Fixes for patch errors where one is obvious: the closest known name for a misspelt type,
// param, port or module id; the nearest in-range value. A fix is a sentence and, when it can
// be done mechanically, the edit_patch operations that do it (the agent can pass them as is).
//
// Threading: main thread of the MCP process; pure.

import type { ModuleRegistry } from '../dsp/registry.js';
import type { ModuleSpec } from '../dsp/spec.js';
import type { PatchDocument } from '../patch/document.js';
import { parseEndpoint } from '../patch/validate.js';

export type EditOp =
  | { op: 'create'; id: string; type: string }
  | { op: 'delete'; id: string }
  | { op: 'connect'; from: string; to: string; amount?: number }
  | { op: 'disconnect'; from: string; to: string }
  | { op: 'set'; id: string; param: string; value: number | string | boolean }
  | { op: 'clear' }
  | { op: 'abort' };

export interface Fix {
  readonly say: string;
  readonly ops?: readonly EditOp[];
}

/** Levenshtein distance (small strings). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` (a prefix counts as close), if it is plausibly what was meant. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = c.startsWith(name) || name.startsWith(c) ? 0.5 : distance(name, c);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function specOf(doc: PatchDocument, id: string, registry: ModuleRegistry): ModuleSpec | undefined {
  const m = doc.modules.find((x) => x.id === id);
  return m === undefined ? undefined : registry.resolve(m.type)?.definition.spec;
}

function paramFix(spec: ModuleSpec, id: string, param: string, value: unknown): Fix | undefined {
  const p = spec.params.find((q) => q.id === param || q.aliases?.includes(param) === true);
  if (p === undefined) {
    const near = closest(param, spec.params.map((q) => q.id));
    return near === undefined ? { say: `${spec.type} params: ${spec.params.map((q) => q.id).join(', ')}` } : { say: `use param '${near}'`, ops: typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? [{ op: 'set', id, param: near, value }] : undefined } as Fix;
  }
  if (p.unit === 'enum') return { say: `${p.id} takes one of: ${(p.labels ?? []).join(', ')}` };
  if (typeof value === 'number') {
    const clamped = Math.min(p.max, Math.max(p.min, value));
    return { say: `${id}.${p.id} must be within [${p.min}, ${p.max}] ${p.unit}; nearest: ${clamped}`, ops: [{ op: 'set', id, param: p.id, value: clamped }] };
  }
  return { say: `${id}.${p.id} is a number in ${p.unit}, within [${p.min}, ${p.max}]` };
}

function endpointFix(doc: PatchDocument, registry: ModuleRegistry, from: string, to: string, side: 'from' | 'to'): Fix | undefined {
  const text = side === 'from' ? from : to;
  const ep = parseEndpoint(text);
  if (ep === undefined) return { say: `write endpoints as '<module>' or '<module>.<port>'` };
  const spec = specOf(doc, ep.module, registry);
  const replace = (fixed: string): EditOp[] => [{ op: 'disconnect', from, to }, side === 'from' ? { op: 'connect', from: fixed, to } : { op: 'connect', from, to: fixed }];
  if (spec === undefined) {
    const near = closest(ep.module, doc.modules.map((m) => m.id));
    if (near === undefined) return { say: `create module '${ep.module}' first, or connect an existing one (${doc.modules.map((m) => m.id).join(', ')})` };
    const fixed = ep.port === undefined ? near : `${near}.${ep.port}`;
    return { say: `module '${near}'?`, ops: replace(fixed) };
  }
  if (ep.port === undefined) return side === 'to' ? { say: `${spec.type} has no audio input: target a param, e.g. '${ep.module}.${spec.params[0]?.id ?? 'param'}'` } : undefined;
  const names = side === 'from' ? spec.outputs.map((o) => o.id) : [...spec.inputs.map((i) => i.id), ...spec.params.filter((p) => p.unit !== 'enum' && p.modulatable !== false).map((p) => p.id)];
  const near = closest(ep.port, names);
  if (near === undefined) return { say: `${spec.type} ${side === 'from' ? 'outputs' : 'inputs and modulatable params'}: ${names.join(', ')}` };
  return { say: `'${ep.module}.${near}'?`, ops: replace(`${ep.module}.${near}`) };
}

/** A fix for a validation error of the staged patch (path like `modules[2].params.freq`, `connections[1].to`). */
export function fixForError(error: { code: string; path: string; message: string }, doc: PatchDocument, registry: ModuleRegistry): Fix | undefined {
  const moduleAt = /^modules\[(\d+)\](?:\.(type|params)(?:\.([A-Za-z0-9_]+))?)?/.exec(error.path);
  const connectionAt = /^connections\[(\d+)\]\.(from|to)$/.exec(error.path);
  if (moduleAt !== null) {
    const m = doc.modules[Number(moduleAt[1])];
    if (m === undefined) return undefined;
    if (error.code === 'E_UNKNOWN_TYPE') {
      const near = closest(m.type, registry.types());
      if (near === undefined) return { say: 'see the modules tool for the types' };
      // Re-creating keeps nothing of the old module but its id: params and connections go too.
      return { say: `type '${near}'? (delete '${m.id}' and create it again with that type, then redo its params and connections)`, ops: [{ op: 'delete', id: m.id }, { op: 'create', id: m.id, type: near }] };
    }
    const spec = registry.resolve(m.type)?.definition.spec;
    const param = moduleAt[3];
    if (spec !== undefined && param !== undefined && (error.code === 'E_UNKNOWN_PARAM' || error.code === 'E_PARAM_RANGE' || error.code === 'E_PARAM_TYPE')) {
      return paramFix(spec, m.id, param, m.params?.[param]);
    }
    return undefined;
  }
  if (connectionAt !== null) {
    const c = doc.connections[Number(connectionAt[1])];
    if (c === undefined) return undefined;
    if (error.code === 'E_UNKNOWN_PORT' || error.code === 'E_UNKNOWN_MODULE' || error.code === 'E_BAD_ENDPOINT') return endpointFix(doc, registry, c.from, c.to, connectionAt[2] as 'from' | 'to');
    if (error.code === 'E_NOT_MODULATABLE') return { say: 'enum params cannot be modulated: set the value with a set op instead', ops: [{ op: 'disconnect', from: c.from, to: c.to }] };
    if (error.code === 'E_DUPLICATE_CONNECTION') return { say: 'remove one of the two (connect again with a new amount replaces it)' };
  }
  if (error.code === 'E_CYCLE') return { say: "break the loop, or close it through a delay's audio input (modules marked 'closes loops')" };
  return undefined;
}

/** A fix for an edit operation the server refused (checked on its own, before validation). */
export function fixForOp(op: EditOp, code: string, doc: PatchDocument, registry: ModuleRegistry): Fix | undefined {
  switch (op.op) {
    case 'create': {
      if (code !== 'E_UNKNOWN_TYPE') return code === 'E_BAD_ID' ? { say: 'ids match [a-z][a-z0-9_]{0,31}' } : undefined;
      const near = closest(op.type, registry.types());
      return near === undefined ? { say: 'see the modules tool for the types' } : { say: `type '${near}'?`, ops: [{ op: 'create', id: op.id, type: near }] };
    }
    case 'set': {
      const spec = specOf(doc, op.id, registry);
      if (spec === undefined) {
        const near = closest(op.id, doc.modules.map((m) => m.id));
        return near === undefined ? { say: `create '${op.id}' first` } : { say: `module '${near}'?`, ops: [{ ...op, id: near }] };
      }
      return paramFix(spec, op.id, op.param, op.value);
    }
    case 'connect':
    case 'disconnect': {
      const ep = [op.from, op.to].map((t) => parseEndpoint(t)?.module ?? t).find((id) => doc.modules.every((m) => m.id !== id));
      if (ep === undefined) return code === 'E_NOT_CONNECTED' ? { say: 'that connection is not in the staged patch (get_patch staged)' } : undefined;
      const near = closest(ep, doc.modules.map((m) => m.id));
      return near === undefined ? { say: `create '${ep}' first` } : { say: `module '${near}'?` };
    }
    case 'delete': {
      const near = closest(op.id, doc.modules.map((m) => m.id));
      return near === undefined ? undefined : { say: `module '${near}'?`, ops: [{ op: 'delete', id: near }] };
    }
    default:
      return undefined;
  }
}

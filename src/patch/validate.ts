// Patch validation: document (unknown JSON) → ResolvedPatch + normalised PatchDocument, or
// every error at once. Order of checks: structure (schema.ts), then modules and params, then
// connections, then cycles. An element that fails a check is left out of the checks that
// depend on it (a connection to a module of unknown type is not reported again), so each
// error is reported once, while independent problems are all reported.

import type { ModuleDefinition } from '../dsp/kernel.js';
import type { ModuleRegistry } from '../dsp/registry.js';
import { BUFFER_NAME_PATTERN, DEFAULT_BPM, ID_PATTERN, findParam, hasStereoPair, noteValueBeats, paramValueForOutput, paramValueFromInput, syncedMs } from '../dsp/spec.js';
import type { ModuleSpec, ParamSpec } from '../dsp/spec.js';
import { MASTER_ID, PATCH_FORMAT, PATCH_VERSION } from './document.js';
import type {
  ParamInput,
  PatchConnection,
  PatchDocument,
  PatchError,
  PatchModule,
  PatchResult,
  ResolvedConnection,
  ResolvedModule,
  ResolvedPatch,
  SyncedParam,
} from './document.js';
import { formatPath, patchError, type PatchErrorCode } from './errors.js';
import { componentIds, findCycles, formatCycle, topologicalSort, type GraphEdge } from './graph.js';
import { MODULE_ID_PATTERN, checkStructure, type SalvagedModule, type StructureResult } from './schema.js';

export interface Endpoint {
  readonly module: string;
  /** Output, input or param name; absent for the module's first output/input. */
  readonly port?: string;
}

/** Parses `"<module>"` or `"<module>.<port>"`; undefined when malformed. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const parts = text.split('.');
  const [module, port] = parts;
  if (parts.length > 2 || module === undefined || !MODULE_ID_PATTERN.test(module)) return undefined;
  if (port === undefined) return { module };
  return ID_PATTERN.test(port) ? { module, port } : undefined;
}

/** What validation may check beyond the document and the registry. */
export interface ValidationOptions {
  /**
   * Whether a sample buffer of that name is loaded: buffer params (spec.bufferParams) naming
   * one that is not are refused (E_BUFFER_UNKNOWN). Absent: any well-formed name is accepted
   * (slot workers, which bind a missing buffer as silence).
   */
  readonly bufferLoaded?: (name: string) => boolean;
}

/** Validates a parsed JSON document against the registry. Never throws on bad input. */
export function validatePatch(input: unknown, registry: ModuleRegistry, options: ValidationOptions = {}): PatchResult {
  return validateStructure(checkStructure(input), registry, options);
}

/**
 * Resolves a document that validatePatch accepted with the same registry (the main thread
 * validates every patch before a slot sees it), without the structural schema: for a valid
 * document its salvaged form is the document itself. Slot workers resolve patches this way and
 * so never load zod (schema.ts). Throws if the document is not valid after all.
 */
export function resolveValidatedPatch(doc: PatchDocument, registry: ModuleRegistry): ResolvedPatch {
  // Anything that is not even shaped like a document (e.g. a damaged state folder) takes the
  // full check, for its clear errors.
  const shaped = Array.isArray(doc.modules) && Array.isArray(doc.connections);
  const result = shaped
    ? validateStructure({ errors: [], readable: true, modules: doc.modules.map((module) => ({ id: module.id, module })), connections: doc.connections }, registry, {})
    : validatePatch(doc, registry);
  if (!result.ok) throw new Error(`patch rejected: ${JSON.stringify(result.errors)}`);
  return result.patch;
}

/** The semantic checks (registry, params, ports, cycles) on a structurally checked document. */
function validateStructure(structure: StructureResult, registry: ModuleRegistry, options: ValidationOptions): PatchResult {
  const v = new Validation([...structure.errors], options);
  if (!structure.readable) return { ok: false, errors: v.errors };
  const modules = resolveModules(structure.modules, registry, v);
  const connections = resolveConnections(structure.connections, modules, v);
  const live = [...modules.entries.values()].filter(isLive);
  const nodes = live.map((m) => m.id);
  const byId = new Map(live.map((m) => [m.id, m]));
  const edges = renderEdges(connections.map((c) => c.resolved), nodes, (id) => (byId.get(id) as LiveModule).definition.spec);
  for (const cycle of findCycles(nodes, edges)) {
    const first = cycle[0] as string;
    const last = cycle[cycle.length - 1] as string;
    const closing = connections.find((c) => c.resolved.from === last && c.resolved.to === first);
    v.add(
      'E_CYCLE',
      ['connections', closing?.index ?? 0],
      `connections form a loop: ${formatCycle(cycle)} (a loop must pass through the audio input of a module that delays it, such as \`delay\`)`,
    );
  }
  if (v.errors.length > 0) return { ok: false, errors: v.errors };

  const patch: ResolvedPatch = {
    modules: topologicalSort(nodes, edges).order.map((id) => {
      const m = byId.get(id) as LiveModule;
      const base: ResolvedModule = { id, type: m.definition.spec.type, definition: m.definition, params: m.values };
      const resolved = m.buffers.length === 0 ? base : { ...base, buffers: m.buffers };
      return m.synced.length === 0 ? resolved : { ...resolved, synced: m.synced };
    }),
    connections: connections.map((c) => c.resolved),
  };
  const specOf = (id: string): ModuleSpec => (byId.get(id) as LiveModule).definition.spec;
  const document: PatchDocument = {
    format: PATCH_FORMAT,
    version: PATCH_VERSION,
    modules: live.map((m) => moduleToDocument(m.id, m.definition.spec, m.values, (i) => m.explicit[i] === true, m.synced, m.buffers)),
    connections: documentConnections(structure.connections, connections, specOf),
  };
  return { ok: true, patch, document };
}

/**
 * The edges that order the render: every connection, except a feedback connection, which is an
 * audio input of a module that delays it (spec.loopDelayMs) from a module on a cycle with it.
 * The render plan runs such a module's output before its loop and takes its input after the
 * loop (LoopBreakingKernel). Cycles left among the returned edges are the illegal ones.
 */
function renderEdges(connections: readonly ResolvedConnection[], nodes: readonly string[], specOf: (id: string) => ModuleSpec): GraphEdge[] {
  const all: GraphEdge[] = connections.map((c) => ({ from: c.from, to: c.to }));
  const breaks = (c: ResolvedConnection): boolean => c.kind === 'input' && specOf(c.to).loopDelayMs !== undefined;
  if (!connections.some(breaks)) return all;
  const component = componentIds(nodes, all);
  return connections.filter((c) => !(breaks(c) && component.get(c.from) === component.get(c.to))).map((c) => ({ from: c.from, to: c.to }));
}

/** Parses JSON text (E_JSON when malformed), then validates it. */
export function validatePatchText(text: string, registry: ModuleRegistry): PatchResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [patchError('E_JSON', '', e instanceof Error ? e.message : String(e))] };
  }
  return validatePatch(input, registry);
}

/**
 * Serialises a resolved patch (e.g. after live param changes) as a document with every param
 * explicit, modules in render order and explicit `<module>.<port>` endpoints. Validating the
 * result gives back the same resolved patch.
 */
export function patchDocumentFromResolved(patch: ResolvedPatch): PatchDocument {
  const byId = new Map<string, ResolvedModule>(patch.modules.map((m) => [m.id, m]));
  const specOf = (id: string): ModuleSpec => {
    const m = byId.get(id);
    if (m === undefined) throw new Error(`resolved patch: connection names unknown module '${id}'`);
    return m.definition.spec;
  };
  return {
    format: PATCH_FORMAT,
    version: PATCH_VERSION,
    modules: patch.modules.map((m) => moduleToDocument(m.id, m.definition.spec, m.params, () => true, m.synced, m.buffers)),
    connections: patch.connections.map((c) => connectionToDocument(c, specOf)),
  };
}

// ---- error collection ----

class Validation {
  constructor(readonly errors: PatchError[], readonly options: ValidationOptions = {}) {}

  add(code: PatchErrorCode, path: readonly (string | number)[], message: string): void {
    this.errors.push(patchError(code, formatPath(path), message));
  }
}

// ---- modules ----

interface LiveModule {
  readonly id: string;
  readonly definition: ModuleDefinition;
  /** Every param value in spec order. */
  readonly values: number[];
  /** Per param: set by the document or by the type alias (kept when saving). */
  readonly explicit: boolean[];
  /** Params given as note values (tempo-synced). */
  readonly synced: SyncedParam[];
  /** Buffer param values (names) in spec.bufferParams order, '' when unset; empty without buffer params. */
  readonly buffers: string[];
}

/** A declared id whose module is unusable (its error is already reported). */
interface BrokenModule {
  readonly id: string;
  readonly definition: undefined;
}

type ModuleEntry = LiveModule | BrokenModule;

interface ModuleTable {
  /** By id, in document order (the implicit master output last). */
  readonly entries: Map<string, ModuleEntry>;
  /** Declared ids that are malformed: endpoints naming them are not reported again. */
  readonly badIds: Set<string>;
}

function isLive(m: ModuleEntry): m is LiveModule {
  return m.definition !== undefined;
}

function resolveModules(items: readonly SalvagedModule[], registry: ModuleRegistry, v: Validation): ModuleTable {
  const entries = new Map<string, ModuleEntry>();
  const badIds = new Set<string>();
  const firstIndex = new Map<string, number>();
  const broken = (id: string): void => {
    if (!entries.has(id)) entries.set(id, { id, definition: undefined });
  };
  items.forEach((item, i) => {
    const m = item.module;
    let usable = true;
    if (item.id !== undefined) {
      const first = firstIndex.get(item.id);
      if (!MODULE_ID_PATTERN.test(item.id)) {
        v.add('E_BAD_ID', ['modules', i, 'id'], `module id ${JSON.stringify(item.id)} must match ${MODULE_ID_PATTERN.source}`);
        badIds.add(item.id);
        usable = false;
      } else if (first !== undefined) {
        v.add('E_DUPLICATE_ID', ['modules', i, 'id'], `module id '${item.id}' is already used by modules[${first}]`);
        usable = false;
      } else {
        firstIndex.set(item.id, i);
      }
    }
    if (m === undefined) {
      if (usable && item.id !== undefined) broken(item.id);
      return;
    }
    const resolved = registry.resolve(m.type);
    if (resolved === undefined) {
      v.add('E_UNKNOWN_TYPE', ['modules', i, 'type'], `unknown module type '${m.type}' (known: ${knownTypes(registry)})`);
      if (usable) broken(m.id);
      return;
    }
    const spec = resolved.definition.spec;
    if (m.id === MASTER_ID && spec.type !== MASTER_ID) {
      v.add('E_MASTER', ['modules', i, 'type'], `module id '${MASTER_ID}' is reserved for the master output (type '${MASTER_ID}'), got type '${m.type}'`);
      usable = false;
    } else if (spec.type === MASTER_ID && m.id !== MASTER_ID) {
      v.add('E_MASTER', ['modules', i, 'id'], `the master output (type '${MASTER_ID}') must have id '${MASTER_ID}', got '${m.id}'`);
      usable = false;
    }
    const params = resolveParams(spec, resolved.defaults, m.params ?? {}, i, v);
    if (usable) entries.set(m.id, { id: m.id, definition: resolved.definition, ...params });
    else if (MODULE_ID_PATTERN.test(m.id)) broken(m.id);
  });
  if (!entries.has(MASTER_ID)) {
    const master = registry.resolve(MASTER_ID);
    if (master === undefined) {
      v.add('E_MASTER', [], `the module registry has no '${MASTER_ID}' type for the master output`);
    } else {
      const params = resolveParams(master.definition.spec, master.defaults, {}, items.length, v);
      entries.set(MASTER_ID, { id: MASTER_ID, definition: master.definition, ...params });
    }
  }
  return { entries, badIds };
}

function knownTypes(registry: ModuleRegistry): string {
  return [...registry.types(), ...registry.typeAliases().map((a) => a.alias)].sort().join(', ');
}

function paramIndex(spec: ModuleSpec, name: string): number {
  const p = findParam(spec, name);
  return p === undefined ? -1 : spec.params.indexOf(p);
}

/** Spec defaults, then the type alias defaults, then the document's values. */
function resolveParams(
  spec: ModuleSpec,
  aliasDefaults: Readonly<Record<string, number>>,
  given: Readonly<Record<string, ParamInput>>,
  moduleIndex: number,
  v: Validation,
): { values: number[]; explicit: boolean[]; synced: SyncedParam[]; buffers: string[] } {
  const values = spec.params.map((p) => p.default);
  const bufferParams = spec.bufferParams ?? [];
  const buffers = bufferParams.map(() => '');
  const explicit = spec.params.map(() => false);
  for (const [name, value] of Object.entries(aliasDefaults)) {
    const i = paramIndex(spec, name);
    if (i >= 0) {
      values[i] = value;
      explicit[i] = true;
    }
  }
  const setBy = new Map<number, string>();
  const synced: SyncedParam[] = [];
  for (const [name, raw] of Object.entries(given)) {
    const path = ['modules', moduleIndex, 'params', name];
    const b = bufferParams.findIndex((q) => q.id === name);
    if (b >= 0) {
      const buffer = bufferName(spec, name, raw, path, v);
      if (buffer !== undefined) buffers[b] = buffer;
      continue;
    }
    const i = paramIndex(spec, name);
    const p = spec.params[i];
    if (p === undefined) {
      const known = spec.params.map((q) => q.id).join(', ') || 'none';
      v.add('E_UNKNOWN_PARAM', path, `module type '${spec.type}' has no param '${name}' (params: ${known})`);
      continue;
    }
    const previous = setBy.get(i);
    if (previous !== undefined) {
      v.add('E_DUPLICATE_PARAM', path, `'${name}' sets param '${p.id}', already set by '${previous}'`);
      continue;
    }
    setBy.set(i, name);
    const beats = p.tempoSync === true && typeof raw === 'string' ? noteValueBeats(raw) : undefined;
    if (beats !== undefined) {
      synced.push({ param: i, text: (raw as string).trim(), beats });
      values[i] = syncedMs(p, beats, DEFAULT_BPM);
      explicit[i] = true;
      continue;
    }
    const value = paramValue(p, raw, path, v);
    if (value !== undefined) {
      values[i] = value;
      explicit[i] = true;
    }
  }
  return { values, explicit, synced, buffers };
}

/** Checks a buffer param's value (a loaded buffer's name); reports and returns undefined when invalid. */
function bufferName(spec: ModuleSpec, name: string, raw: ParamInput, path: readonly (string | number)[], v: Validation): string | undefined {
  if (typeof raw !== 'string' || !BUFFER_NAME_PATTERN.test(raw)) {
    v.add('E_PARAM_TYPE', path, `'${name}' of a ${spec.type} takes a buffer name ([A-Za-z0-9_.-], up to 64 characters), got ${JSON.stringify(raw)}`);
    return undefined;
  }
  const loaded = v.options.bufferLoaded;
  if (loaded !== undefined && !loaded(raw)) {
    v.add('E_BUFFER_UNKNOWN', path, `no buffer '${raw}' is loaded (load it with /buffer/load ${raw} <file>; /buffer/list shows what is loaded)`);
    return undefined;
  }
  return raw;
}

/** Converts and range-checks one param value; reports and returns undefined when invalid. */
function paramValue(p: ParamSpec, raw: ParamInput, path: readonly (string | number)[], v: Validation): number | undefined {
  if (p.unit === 'enum') {
    const labels = (p.labels ?? []).join(', ');
    if (typeof raw === 'boolean') {
      v.add('E_PARAM_TYPE', path, `'${p.id}' takes a label (${labels}) or an index, got a boolean`);
      return undefined;
    }
    if (typeof raw === 'number' && !Number.isInteger(raw)) {
      v.add('E_PARAM_TYPE', path, `'${p.id}' index must be an integer, got ${raw} (labels: ${labels})`);
      return undefined;
    }
    const value = paramValueFromInput(p, raw);
    if (value === undefined) {
      v.add('E_PARAM_TYPE', path, `'${p.id}' has no label ${JSON.stringify(raw)} (labels: ${labels})`);
      return undefined;
    }
    if (value < p.min || value > p.max) {
      v.add('E_PARAM_RANGE', path, `'${p.id}' index ${value} is outside ${p.min}..${p.max} (labels: ${labels})`);
      return undefined;
    }
    return value;
  }
  const value = typeof raw === 'string' ? undefined : paramValueFromInput(p, raw);
  if (value === undefined) {
    const takes = p.tempoSync === true ? `a number (${p.unit}) or a note value (1/4, 1/8., 1/16t, 2/1)` : `a number (${p.unit})`;
    v.add('E_PARAM_TYPE', path, `'${p.id}' takes ${takes}, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  if (value < p.min || value > p.max) {
    v.add('E_PARAM_RANGE', path, `'${p.id}' = ${value} is outside [${p.min}, ${p.max}] ${p.unit}`);
    return undefined;
  }
  return value;
}

// ---- connections ----

interface IndexedConnection {
  /** Index in the document's `connections`. */
  readonly index: number;
  readonly resolved: ResolvedConnection;
}

function resolveConnections(items: readonly (PatchConnection | undefined)[], table: ModuleTable, v: Validation): IndexedConnection[] {
  const result: IndexedConnection[] = [];
  const firstIndex = new Map<string, number>();
  items.forEach((c, j) => {
    if (c === undefined) return;
    const source = lookupEndpoint(c.from, ['connections', j, 'from'], table, v);
    const fromOutputs = source === undefined ? undefined : resolveOutputs(source, c.from, j, v);
    const dest = lookupEndpoint(c.to, ['connections', j, 'to'], table, v);
    const target = dest === undefined ? undefined : resolveTarget(dest, c.to, j, v);
    const amount = c.amount ?? 1;
    if (target?.param !== undefined) {
      const span = target.param.max - target.param.min;
      if (Math.abs(amount) > span) {
        v.add('E_BAD_AMOUNT', ['connections', j, 'amount'], `modulation depth ${amount} exceeds the span of '${target.param.id}' (${span} ${target.param.unit})`);
        return;
      }
    }
    if (source === undefined || dest === undefined || fromOutputs === undefined || target === undefined) return;
    for (const wire of stereoWires(fromOutputs, target, dest, amount)) {
      const resolved: ResolvedConnection = {
        from: source.module.id,
        fromOutput: wire.fromOutput,
        to: dest.module.id,
        kind: target.kind,
        toIndex: wire.toIndex,
        amount: wire.amount,
      };
      const key = [resolved.from, resolved.fromOutput, resolved.to, resolved.kind, resolved.toIndex].join('\u0000');
      const first = firstIndex.get(key);
      if (first !== undefined) {
        v.add('E_DUPLICATE_CONNECTION', ['connections', j], `connection ${c.from} → ${c.to} duplicates connections[${first}]`);
        return;
      }
      firstIndex.set(key, j);
      result.push({ index: j, resolved });
    }
  });
  return result;
}

/**
 * The validated document's connections: each with explicit `<module>.<port>` endpoints, except a
 * stereo connection (two wires from one document entry), which stays as written.
 */
function documentConnections(
  items: readonly (PatchConnection | undefined)[],
  connections: readonly IndexedConnection[],
  specOf: (id: string) => ModuleSpec,
): PatchConnection[] {
  const wires = new Map<number, number>();
  for (const c of connections) wires.set(c.index, (wires.get(c.index) ?? 0) + 1);
  const result: PatchConnection[] = [];
  for (const c of connections) {
    if (wires.get(c.index) === 1) {
      result.push(connectionToDocument(c.resolved, specOf));
    } else if (wires.get(c.index) !== 0) {
      const item = items[c.index] as PatchConnection;
      result.push(item.amount === undefined || item.amount === 1 ? { from: item.from, to: item.to } : { from: item.from, to: item.to, amount: item.amount });
      wires.set(c.index, 0);
    }
  }
  return result;
}

/**
 * The stereo convention (src/dsp/spec.ts, STEREO_PORTS): how one document connection becomes
 * one or two wires. `fromOutputs` has two entries for a stereo source (no port named, a `left`/
 * `right` output pair). Into a destination with no port named: stereo → a `left`/`right` input
 * pair side by side; mono → a pair that is the default input (first input `left`) on both sides.
 * Any other stereo connection sums both sides into the one target at half the amount each.
 */
function stereoWires(fromOutputs: readonly number[], target: Target, dest: FoundEndpoint, amount: number): { fromOutput: number; toIndex: number; amount: number }[] {
  const inputs = dest.module.definition.spec.inputs;
  const pair = dest.port === undefined && target.kind === 'input' && hasStereoPair(inputs)
    ? [inputs.findIndex((p) => p.id === 'left'), inputs.findIndex((p) => p.id === 'right')]
    : undefined;
  const [first, second] = fromOutputs as [number, number | undefined];
  if (second !== undefined) {
    if (pair !== undefined) return [{ fromOutput: first, toIndex: pair[0]!, amount }, { fromOutput: second, toIndex: pair[1]!, amount }];
    return [{ fromOutput: first, toIndex: target.index, amount: amount / 2 }, { fromOutput: second, toIndex: target.index, amount: amount / 2 }];
  }
  if (pair !== undefined && target.index === pair[0]) return [{ fromOutput: first, toIndex: pair[0], amount }, { fromOutput: first, toIndex: pair[1]!, amount }];
  return [{ fromOutput: first, toIndex: target.index, amount }];
}

interface FoundEndpoint {
  readonly module: LiveModule;
  readonly port: string | undefined;
}

/** Finds the endpoint's module; reports and returns undefined when it cannot be used. */
function lookupEndpoint(text: string, path: readonly (string | number)[], table: ModuleTable, v: Validation): FoundEndpoint | undefined {
  const ep = parseEndpoint(text);
  if (ep === undefined) {
    if (!table.badIds.has(text.split('.')[0] as string)) {
      v.add('E_BAD_ENDPOINT', path, `endpoint ${JSON.stringify(text)} must be '<module>' or '<module>.<port>'`);
    }
    return undefined;
  }
  const entry = table.entries.get(ep.module);
  if (entry === undefined) {
    v.add('E_UNKNOWN_MODULE', path, `no module '${ep.module}' in this patch`);
    return undefined;
  }
  return isLive(entry) ? { module: entry, port: ep.port } : undefined;
}

/** The source's outputs: its first, the one named, or its `left`/`right` pair (stereo, unnamed). */
function resolveOutputs(source: FoundEndpoint, text: string, j: number, v: Validation): number[] | undefined {
  const spec = source.module.definition.spec;
  if (source.port === undefined) {
    if (!hasStereoPair(spec.outputs)) return [0];
    return [spec.outputs.findIndex((o) => o.id === 'left'), spec.outputs.findIndex((o) => o.id === 'right')];
  }
  const index = spec.outputs.findIndex((o) => o.id === source.port);
  if (index < 0) {
    const outputs = spec.outputs.map((o) => o.id).join(', ');
    v.add('E_UNKNOWN_PORT', ['connections', j, 'from'], `'${text}': module '${source.module.id}' (${spec.type}) has no output '${source.port}' (outputs: ${outputs})`);
    return undefined;
  }
  return [index];
}

interface Target {
  readonly kind: 'input' | 'param';
  readonly index: number;
  readonly param?: ParamSpec;
}

function resolveTarget(dest: FoundEndpoint, text: string, j: number, v: Validation): Target | undefined {
  const spec = dest.module.definition.spec;
  const path = ['connections', j, 'to'];
  const where = `module '${dest.module.id}' (${spec.type})`;
  if (dest.port === undefined) {
    if (spec.inputs.length > 0) return { kind: 'input', index: 0 };
    v.add('E_UNKNOWN_PORT', path, `'${text}': ${where} has no audio input; target one of its params as '${dest.module.id}.<param>'`);
    return undefined;
  }
  const input = spec.inputs.findIndex((p) => p.id === dest.port);
  if (input >= 0) return { kind: 'input', index: input };
  const param = paramIndex(spec, dest.port);
  const p = spec.params[param];
  if (p === undefined) {
    const names = [...spec.inputs.map((q) => q.id), ...spec.params.map((q) => q.id)].join(', ') || 'none';
    v.add('E_UNKNOWN_PORT', path, `'${text}': ${where} has no input or param '${dest.port}' (inputs and params: ${names})`);
    return undefined;
  }
  if (p.modulatable === false || p.unit === 'enum') {
    v.add('E_NOT_MODULATABLE', path, `'${text}': param '${p.id}' of ${where} cannot take modulation connections`);
    return undefined;
  }
  return { kind: 'param', index: param, param: p };
}

// ---- serialisation ----

/** A module entry of a document; params (canonical ids, enum labels) where `include(i)`. */
function moduleToDocument(
  id: string, spec: ModuleSpec, values: readonly number[], include: (i: number) => boolean, synced: readonly SyncedParam[] = [], buffers: readonly string[] = [],
): PatchModule {
  const params: Record<string, ParamInput> = {};
  (spec.bufferParams ?? []).forEach((b, i) => {
    const name = buffers[i];
    if (name !== undefined && name !== '') params[b.id] = name;
  });
  spec.params.forEach((p, i) => {
    if (include(i)) params[p.id] = synced.find((x) => x.param === i)?.text ?? paramValueForOutput(p, values[i] as number);
  });
  return Object.keys(params).length > 0 ? { id, type: spec.type, params } : { id, type: spec.type };
}

/** A connection with explicit `<module>.<port>` endpoints; amount only when not 1. */
function connectionToDocument(c: ResolvedConnection, specOf: (id: string) => ModuleSpec): PatchConnection {
  const from = `${c.from}.${(specOf(c.from).outputs[c.fromOutput] as { id: string }).id}`;
  const toSpec = specOf(c.to);
  const port = c.kind === 'input' ? toSpec.inputs[c.toIndex] : toSpec.params[c.toIndex];
  const to = `${c.to}.${(port as { id: string }).id}`;
  return c.amount === 1 ? { from, to } : { from, to, amount: c.amount };
}

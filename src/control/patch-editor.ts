// The live patch and the staged copy that `/patch/*` commands edit. Staging is independent of
// slots: any number of commits work, whichever slot is active (the old system's fatal flaw was
// tying patch building to one worker's role). Edits are checked as far as they can be on their
// own; the whole staged patch is validated at commit, reporting every error at once.
// Modules are found by id in maps (live resolved patch, live and staged documents): a /mod
// costs the same in a patch of ten modules and of a thousand.
//
// Threading: main thread (or offline, for scores).

import type { ModuleRegistry } from '../dsp/registry.js';
import { BUFFER_NAME_PATTERN, findParam, paramValueFromInput, type ModuleSpec } from '../dsp/spec.js';
import {
  MASTER_ID, PATCH_FORMAT, PATCH_VERSION, type PatchConnection, type PatchDocument, type PatchError, type PatchModule, type ParamInput, type ResolvedModule, type ResolvedPatch,
} from '../patch/document.js';
import { MODULE_ID_PATTERN } from '../patch/schema.js';
import { parseEndpoint, validatePatch, type ValidationOptions } from '../patch/validate.js';
import { LiveValues, type LiveEntry } from './live-values.js';
import type { FailCode } from './error-codes.js';
import { CommitHistory, type CommitRecord } from './patch-history.js';
import { patchFingerprint } from './patch-fingerprint.js';

export type EditResult = { ok: true } | { ok: false; code: FailCode; message: string };

const ok: EditResult = { ok: true };
const fail = (code: FailCode, message: string): EditResult => ({ ok: false, code, message });

export function emptyPatch(): PatchDocument {
  return { format: PATCH_FORMAT, version: PATCH_VERSION, modules: [{ id: MASTER_ID, type: 'out' }], connections: [] };
}

function clone(doc: PatchDocument): PatchDocument {
  return structuredClone(doc);
}

function byId<T extends { readonly id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((m) => [m.id, m]));
}

/** A validated staged patch, ready to become the live one (see `validateStaged`, `adopt`). */
export interface ValidatedPatch {
  readonly document: PatchDocument;
  readonly patch: ResolvedPatch;
}

export class PatchEditor {
  private liveDoc!: PatchDocument;
  private liveResolved!: ResolvedPatch;
  private stagedDoc!: PatchDocument;
  /** By id: the live patch's resolved modules, and the live and staged documents' modules. */
  private liveModules!: LiveValues;
  private liveDocModules!: Map<string, PatchModule>;
  private stagedModules!: Map<string, PatchModule>;
  /** Every patch that became live (start, commits, undos), newest last. */
  readonly history = new CommitHistory();
  /** Modules whose last /gate was on (offline renders of the live state hold them too). */
  private readonly heldGates = new Set<string>();
  private liveFingerprintCache: string | undefined;

  /** `options.bufferLoaded`: which sample buffers exist (the live server's); commits naming others are refused. */
  constructor(private readonly registry: ModuleRegistry, initial: PatchDocument, private readonly options: ValidationOptions = {}) {
    const result = validatePatch(initial, registry);
    if (!result.ok) throw new Error(`initial patch is invalid: ${result.errors.map((e) => `${e.path} ${e.code} ${e.message}`).join('; ')}`);
    this.adopt(result, [], 'start');
  }

  /** The live patch's fingerprint (patch-fingerprint.ts), recorded /mod values included; cached until either changes. */
  liveFingerprint(): string {
    const doc = this.live;
    this.liveFingerprintCache ??= patchFingerprint(doc);
    return this.liveFingerprintCache;
  }

  stagedFingerprint(): string {
    return patchFingerprint(this.staged);
  }

  get live(): PatchDocument {
    this.flushParams();
    return this.liveDoc;
  }

  get staged(): PatchDocument {
    this.flushParams();
    return this.stagedDoc;
  }

  get resolved(): ResolvedPatch {
    return this.liveResolved;
  }

  /** A module of the live patch by id. */
  module(id: string): ResolvedModule | undefined {
    return this.liveModules.entries.get(id)?.module;
  }

  /** The spec of a module of the staged patch by id (not validated: undefined for an unknown type). */
  stagedSpec(id: string): ModuleSpec | undefined {
    const module = this.stagedModules.get(id);
    return module === undefined ? undefined : this.registry.resolve(module.type)?.definition.spec;
  }

  /** A module of the live patch by id with its engine handle (one map lookup), once it has one. */
  liveModule(id: string): LiveEntry | undefined {
    const entry = this.liveModules.entries.get(id);
    return entry === undefined || entry.handle < 0 ? undefined : entry;
  }

  /** The engine handles of the live modules (the session assigns them at each commit). */
  setHandles(handles: Iterable<readonly [string, number]>): void {
    this.liveModules.setHandles(handles);
  }

  create(id: string, type: string): EditResult {
    this.flushParams();
    if (!MODULE_ID_PATTERN.test(id)) return fail('E_BAD_ID', `module id '${id}' must match [a-z][a-z0-9_]{0,31}`);
    const resolved = this.registry.resolve(type);
    if (resolved === undefined) return fail('E_UNKNOWN_TYPE', `unknown module type '${type}'; types: ${this.registry.types().join(', ')}`);
    const existing = this.stagedModules.get(id);
    if (existing !== undefined) {
      const existingType = this.registry.resolve(existing.type)?.definition.spec.type;
      if (existingType === resolved.definition.spec.type) return ok; // old clients re-create before each commit
      return fail('E_DUPLICATE_ID', `module '${id}' already exists with type '${existing.type}'; delete it first`);
    }
    const module = { id, type };
    this.stagedDoc.modules.push(module);
    this.stagedModules.set(id, module);
    return ok;
  }

  delete(id: string): EditResult {
    this.flushParams();
    if (id === MASTER_ID) return fail('E_MASTER', 'the master output cannot be deleted');
    if (!this.stagedModules.has(id)) return fail('E_UNKNOWN_MODULE', `no module '${id}' in the staged patch`);
    this.stagedDoc.modules.splice(this.stagedDoc.modules.findIndex((m) => m.id === id), 1);
    this.stagedModules.delete(id);
    this.stagedDoc.connections = this.stagedDoc.connections.filter((c) => parseEndpoint(c.from)?.module !== id && parseEndpoint(c.to)?.module !== id);
    return ok;
  }

  connect(from: string, to: string, amount?: number): EditResult {
    this.flushParams();
    const check = this.checkEndpoints(from, to);
    if (!check.ok) return check;
    if (amount !== undefined && !Number.isFinite(amount)) return fail('E_BAD_AMOUNT', 'amount must be a finite number');
    const existing = this.findConnection(from, to);
    const connection: PatchConnection = amount === undefined ? { from, to } : { from, to, amount };
    if (existing >= 0) this.stagedDoc.connections[existing] = connection;
    else this.stagedDoc.connections.push(connection);
    return ok;
  }

  disconnect(from: string, to: string): EditResult {
    this.flushParams();
    const existing = this.findConnection(from, to);
    if (existing < 0) return fail('E_NOT_CONNECTED', `no connection ${from} → ${to} in the staged patch`);
    this.stagedDoc.connections.splice(existing, 1);
    return ok;
  }

  set(id: string, param: string, value: ParamInput): EditResult {
    this.flushParams();
    const module = this.stagedModules.get(id);
    if (module === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}' in the staged patch`);
    const spec = this.registry.resolve(module.type)?.definition.spec;
    if (spec?.bufferParams?.some((b) => b.id === param) === true) return this.setBuffer(module, param, value);
    const p = spec === undefined ? undefined : findParam(spec, param);
    if (spec === undefined || p === undefined) return fail('E_UNKNOWN_PARAM', `module '${id}' has no param '${param}'`);
    const numeric = paramValueFromInput(p, value);
    if (numeric === undefined) return fail('E_PARAM_TYPE', `${id}.${p.id}: cannot use ${JSON.stringify(value)}`);
    if (numeric < p.min || numeric > p.max) return fail('E_PARAM_RANGE', `${id}.${p.id} must be within [${p.min}, ${p.max}] ${p.unit}`);
    const params = { ...(module.params ?? {}) };
    for (const name of [p.id, ...(p.aliases ?? [])]) delete params[name];
    params[p.id] = value;
    module.params = params;
    return ok;
  }

  /** A buffer param: the name of a loaded sample buffer. */
  private setBuffer(module: PatchModule, param: string, value: ParamInput): EditResult {
    if (typeof value !== 'string' || !BUFFER_NAME_PATTERN.test(value)) return fail('E_PARAM_TYPE', `${module.id}.${param} takes a buffer name, got ${JSON.stringify(value)}`);
    const loaded = this.options.bufferLoaded;
    if (loaded !== undefined && !loaded(value)) return fail('E_BUFFER_UNKNOWN', `no buffer '${value}' is loaded (/buffer/load ${value} <file> first; /buffer/list shows what is loaded)`);
    module.params = { ...(module.params ?? {}), [param]: value };
    return ok;
  }

  clear(): EditResult {
    this.flushParams();
    this.setStaged(emptyPatch());
    return ok;
  }

  abort(): void {
    this.flushParams();
    this.setStaged(clone(this.liveDoc));
  }

  /**
   * Validates the staged patch (every error at once). Changes nothing: the caller sends the
   * result to the engine, then makes it the live patch with `adopt`.
   */
  validateStaged(): { ok: true; validated: ValidatedPatch } | { ok: false; errors: PatchError[] } {
    this.flushParams();
    const result = validatePatch(this.stagedDoc, this.registry, this.options);
    return result.ok ? { ok: true, validated: { document: result.document, patch: result.patch } } : result;
  }

  /**
   * Makes a validated patch the live one, its modules known by `handles`; the staged patch
   * becomes a copy of it. `via` is what the history records (an undo drops the newest entry).
   */
  adopt(validated: ValidatedPatch, handles: Iterable<readonly [string, number]> = [], via: CommitRecord['via'] = 'commit'): void {
    this.flushParams();
    this.liveFingerprintCache = this.history.record(validated.document, via);
    this.liveDoc = validated.document;
    this.liveResolved = validated.patch;
    this.liveModules = new LiveValues(validated.patch.modules, handles);
    this.liveDocModules = byId(this.liveDoc.modules);
    this.setStaged(clone(this.liveDoc));
  }

  /** Makes `doc` the live (and staged) patch without a commit: a server resumed from its state folder. */
  resume(doc: PatchDocument, handles: Iterable<readonly [string, number]>): void {
    this.flushParams();
    const result = validatePatch(doc, this.registry);
    if (!result.ok) throw new Error(`resumed patch is invalid: ${result.errors.map((e) => `${e.path} ${e.code} ${e.message}`).join('; ')}`);
    this.adopt(result, handles, 'start');
  }

  /** Replaces the staged patch with a validated document (e.g. /patch/load, then commit). */
  stage(doc: PatchDocument): void {
    this.flushParams();
    this.setStaged(clone(doc));
  }

  /**
   * Records a live parameter change (from /mod: param `paramIndex` of a live module) for the
   * live and staged documents: noted in LiveValues (cheap, whatever the patch size), written
   * into the documents before anything reads or edits them.
   */
  recordParam(module: LiveEntry, paramIndex: number, value: number): void {
    this.liveModules.record(module, paramIndex, value);
  }

  /** Records a /gate of a live module (no allocation once the module was seen). */
  recordGate(id: string, on: boolean): void {
    if (on) this.heldGates.add(id);
    else this.heldGates.delete(id);
  }

  /** Live modules whose last /gate was on. */
  gatesHeld(): string[] {
    return [...this.heldGates].filter((id) => this.liveModules.entries.has(id));
  }

  /** True when the live patch names sample buffer `name` in a buffer param. */
  liveUsesBuffer(name: string): boolean {
    return this.liveResolved.modules.some((m) => m.buffers?.includes(name) === true);
  }

  /** Writes the recorded /mod values into the documents. */
  private flushParams(): void {
    // Before the first adopt (the constructor), there is nothing to write.
    this.liveModules?.drain((module, paramIndex, value) => {
      this.liveFingerprintCache = undefined;
      const paramId = module.definition.spec.params[paramIndex]!.id;
      this.recordIn(this.liveDocModules.get(module.id), paramId, value);
      this.recordIn(this.stagedModules.get(module.id), paramId, value);
    });
  }

  private recordIn(module: PatchModule | undefined, paramId: string, value: number): void {
    if (module === undefined) return;
    const spec = this.registry.resolve(module.type)?.definition.spec;
    const p = spec?.params.find((q) => q.id === paramId);
    if (p === undefined) return;
    const params = (module.params ??= {});
    if (p.aliases !== undefined) for (const name of p.aliases) if (name in params) delete params[name];
    params[p.id] = p.unit === 'enum' ? (p.labels?.[value] ?? value) : value;
  }

  private setStaged(doc: PatchDocument): void {
    this.stagedDoc = doc;
    this.stagedModules = byId(doc.modules);
  }

  private checkEndpoints(from: string, to: string): EditResult {
    for (const [text, what] of [[from, 'from'], [to, 'to']] as const) {
      const endpoint = parseEndpoint(text);
      if (endpoint === undefined) return fail('E_BAD_ENDPOINT', `${what} '${text}' is not <module> or <module>.<port>`);
      if (!this.stagedModules.has(endpoint.module)) return fail('E_UNKNOWN_MODULE', `${what}: no module '${endpoint.module}' in the staged patch`);
    }
    return ok;
  }

  /** Finds a staged connection equal to from → to, default ports resolved on both sides. */
  private findConnection(from: string, to: string): number {
    const a = this.canonical(from, 'output');
    const b = this.canonical(to, 'input');
    return this.stagedDoc.connections.findIndex((c) => this.canonical(c.from, 'output') === a && this.canonical(c.to, 'input') === b);
  }

  private canonical(text: string, side: 'output' | 'input'): string {
    const endpoint = parseEndpoint(text);
    if (endpoint === undefined) return text;
    if (endpoint.port !== undefined) {
      const module = this.stagedModules.get(endpoint.module);
      const spec = module === undefined ? undefined : this.registry.resolve(module.type)?.definition.spec;
      const param = spec === undefined ? undefined : findParam(spec, endpoint.port);
      return param === undefined ? text : `${endpoint.module}.${param.id}`;
    }
    const module = this.stagedModules.get(endpoint.module);
    const spec = module === undefined ? undefined : this.registry.resolve(module.type)?.definition.spec;
    const port = side === 'output' ? spec?.outputs[0]?.id : spec?.inputs[0]?.id;
    return port === undefined ? text : `${endpoint.module}.${port}`;
  }
}

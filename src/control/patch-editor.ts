// The live patch and the staged copy that `/patch/*` commands edit. Staging is independent of
// slots: any number of commits work, whichever slot is active (the old system's fatal flaw was
// tying patch building to one worker's role). Edits are checked as far as they can be on their
// own; the whole staged patch is validated at commit, reporting every error at once.
//
// Threading: main thread.

import type { ModuleRegistry } from '../dsp/registry.js';
import { findParam, paramValueFromInput } from '../dsp/spec.js';
import { MASTER_ID, PATCH_FORMAT, PATCH_VERSION, type PatchConnection, type PatchDocument, type PatchError, type ParamInput, type ResolvedPatch } from '../patch/document.js';
import { MODULE_ID_PATTERN } from '../patch/schema.js';
import { parseEndpoint, validatePatch } from '../patch/validate.js';

export type EditResult = { ok: true } | { ok: false; code: string; message: string };

const ok: EditResult = { ok: true };
const fail = (code: string, message: string): EditResult => ({ ok: false, code, message });

export function emptyPatch(): PatchDocument {
  return { format: PATCH_FORMAT, version: PATCH_VERSION, modules: [{ id: MASTER_ID, type: 'out' }], connections: [] };
}

function clone(doc: PatchDocument): PatchDocument {
  return structuredClone(doc);
}

export class PatchEditor {
  private liveDoc: PatchDocument;
  private liveResolved: ResolvedPatch;
  private stagedDoc: PatchDocument;

  constructor(private readonly registry: ModuleRegistry, initial: PatchDocument) {
    const result = validatePatch(initial, registry);
    if (!result.ok) throw new Error(`initial patch is invalid: ${result.errors.map((e) => `${e.path} ${e.code} ${e.message}`).join('; ')}`);
    this.liveDoc = result.document;
    this.liveResolved = result.patch;
    this.stagedDoc = clone(this.liveDoc);
  }

  get live(): PatchDocument {
    return this.liveDoc;
  }

  get staged(): PatchDocument {
    return this.stagedDoc;
  }

  get resolved(): ResolvedPatch {
    return this.liveResolved;
  }

  create(id: string, type: string): EditResult {
    if (!MODULE_ID_PATTERN.test(id)) return fail('E_BAD_ID', `module id '${id}' must match [a-z][a-z0-9_]{0,31}`);
    const resolved = this.registry.resolve(type);
    if (resolved === undefined) return fail('E_UNKNOWN_TYPE', `unknown module type '${type}'; types: ${this.registry.types().join(', ')}`);
    const existing = this.stagedDoc.modules.find((m) => m.id === id);
    if (existing !== undefined) {
      const existingType = this.registry.resolve(existing.type)?.definition.spec.type;
      if (existingType === resolved.definition.spec.type) return ok; // old clients re-create before each commit
      return fail('E_DUPLICATE_ID', `module '${id}' already exists with type '${existing.type}'; delete it first`);
    }
    this.stagedDoc.modules.push({ id, type });
    return ok;
  }

  delete(id: string): EditResult {
    if (id === MASTER_ID) return fail('E_MASTER', 'the master output cannot be deleted');
    const index = this.stagedDoc.modules.findIndex((m) => m.id === id);
    if (index < 0) return fail('E_UNKNOWN_MODULE', `no module '${id}' in the staged patch`);
    this.stagedDoc.modules.splice(index, 1);
    this.stagedDoc.connections = this.stagedDoc.connections.filter((c) => parseEndpoint(c.from)?.module !== id && parseEndpoint(c.to)?.module !== id);
    return ok;
  }

  connect(from: string, to: string, amount?: number): EditResult {
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
    const existing = this.findConnection(from, to);
    if (existing < 0) return fail('E_NOT_CONNECTED', `no connection ${from} → ${to} in the staged patch`);
    this.stagedDoc.connections.splice(existing, 1);
    return ok;
  }

  set(id: string, param: string, value: ParamInput): EditResult {
    const module = this.stagedDoc.modules.find((m) => m.id === id);
    if (module === undefined) return fail('E_UNKNOWN_MODULE', `no module '${id}' in the staged patch`);
    const spec = this.registry.resolve(module.type)?.definition.spec;
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

  clear(): EditResult {
    this.stagedDoc = emptyPatch();
    return ok;
  }

  abort(): void {
    this.stagedDoc = clone(this.liveDoc);
  }

  /** Validates the staged patch; on success it becomes the live patch (the caller applies it). */
  commit(): { ok: true; document: PatchDocument; patch: ResolvedPatch } | { ok: false; errors: PatchError[] } {
    const result = validatePatch(this.stagedDoc, this.registry);
    if (!result.ok) return result;
    this.liveDoc = result.document;
    this.liveResolved = result.patch;
    this.stagedDoc = clone(this.liveDoc);
    return { ok: true, document: result.document, patch: result.patch };
  }

  /** Makes `doc` the live (and staged) patch without a commit: a server resumed from its state folder. */
  resume(doc: PatchDocument): void {
    const result = validatePatch(doc, this.registry);
    if (!result.ok) throw new Error(`resumed patch is invalid: ${result.errors.map((e) => `${e.path} ${e.code} ${e.message}`).join('; ')}`);
    this.liveDoc = result.document;
    this.liveResolved = result.patch;
    this.stagedDoc = clone(this.liveDoc);
  }

  /** Replaces staged and live patch with a validated document (e.g. /patch/load then commit). */
  stage(doc: PatchDocument): void {
    this.stagedDoc = clone(doc);
  }

  /** Records a live parameter change (from /mod) in the live and staged documents. */
  recordParam(id: string, paramId: string, value: number): void {
    for (const doc of [this.liveDoc, this.stagedDoc]) {
      const module = doc.modules.find((m) => m.id === id);
      if (module === undefined) continue;
      const spec = this.registry.resolve(module.type)?.definition.spec;
      const p = spec?.params.find((q) => q.id === paramId);
      if (p === undefined) continue;
      const params = { ...(module.params ?? {}) };
      for (const name of p.aliases ?? []) delete params[name];
      params[p.id] = p.unit === 'enum' ? (p.labels?.[value] ?? value) : value;
      module.params = params;
    }
  }

  private checkEndpoints(from: string, to: string): EditResult {
    for (const [text, what] of [[from, 'from'], [to, 'to']] as const) {
      const endpoint = parseEndpoint(text);
      if (endpoint === undefined) return fail('E_BAD_ENDPOINT', `${what} '${text}' is not <module> or <module>.<port>`);
      if (!this.stagedDoc.modules.some((m) => m.id === endpoint.module)) return fail('E_UNKNOWN_MODULE', `${what}: no module '${endpoint.module}' in the staged patch`);
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
      const module = this.stagedDoc.modules.find((m) => m.id === endpoint.module);
      const spec = module === undefined ? undefined : this.registry.resolve(module.type)?.definition.spec;
      const param = spec === undefined ? undefined : findParam(spec, endpoint.port);
      return param === undefined ? text : `${endpoint.module}.${param.id}`;
    }
    const module = this.stagedDoc.modules.find((m) => m.id === endpoint.module);
    const spec = module === undefined ? undefined : this.registry.resolve(module.type)?.definition.spec;
    const port = side === 'output' ? spec?.outputs[0]?.id : spec?.inputs[0]?.id;
    return port === undefined ? text : `${endpoint.module}.${port}`;
  }
}

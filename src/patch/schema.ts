// Structural schema of the patch document (zod 4): JSON types, required fields and unknown
// keys. Everything that needs the module registry (types, params, ports, ranges, ids,
// cycles) is checked by `validate.ts`. `checkStructure` reports every structural problem and
// salvages the usable part of each element so that semantic checks still run on it.
//
// zod is loaded on first use (synchronously, its CommonJS build), not when this file is
// imported: loading it is slow (docs/performance.md), and slot workers import the patch code
// only to resolve documents the main thread has already validated (validate.ts,
// resolveValidatedPatch), so a worker that never checks structure starts that much sooner (it
// is a rejoin's cold path).

import { createRequire } from 'node:module';
import { PATCH_FORMAT, PATCH_VERSION } from './document.js';
import type { ParamInput, PatchConnection, PatchError, PatchModule } from './document.js';
import { formatPath, patchError, type PatchErrorCode } from './errors.js';

type Zod = typeof import('zod');

/** Module ids: checked by `validate.ts` (E_BAD_ID); shown here in the JSON Schema. */
export const MODULE_ID_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** The zod schemas, built on first use. */
function buildSchemas(z: Zod['z']) {
  const paramValue = z
    .union([z.number(), z.string(), z.boolean()])
    .meta({ description: 'A number in the param unit; an enum label or index; a boolean (0/1).' });
  const moduleShape = {
    id: z.string().meta({ pattern: MODULE_ID_PATTERN.source, description: 'Unique module id. `out` is the master output.' }),
    type: z.string().meta({ description: 'Module type or type alias (see the module reference).' }),
    params: z
      .record(z.string(), paramValue)
      .optional()
      .meta({ description: 'Param values by param id or alias; unset params take their defaults.' }),
  };
  const connectionShape = {
    from: z.string().meta({ description: '`<module>` (its first output) or `<module>.<output>`.' }),
    to: z.string().meta({ description: '`<module>` (its first input), `<module>.<input>` or `<module>.<param>`.' }),
    amount: z
      .number()
      .optional()
      .meta({ description: 'Gain for audio inputs; modulation depth in the param unit for params. Default 1.' }),
  };
  const document = z
    .strictObject({
      format: z.literal(PATCH_FORMAT),
      version: z.literal(PATCH_VERSION),
      modules: z.array(z.strictObject(moduleShape)).meta({ description: 'Modules; the master output `out` is added when absent.' }),
      connections: z.array(z.strictObject(connectionShape)).meta({ description: 'Connections; several sources into one port are summed.' }),
    })
    .meta({ title: 'Chronus patch', description: `A Chronus patch document (format "${PATCH_FORMAT}", version ${PATCH_VERSION}).` });
  return {
    z,
    paramValue,
    document,
    knownKeys: { root: Object.keys(document.shape), module: Object.keys(moduleShape), connection: Object.keys(connectionShape) },
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let cached: Schemas | undefined;

function schemas(): Schemas {
  if (cached === undefined) {
    const { z } = createRequire(import.meta.url)('zod') as Zod;
    cached = buildSchemas(z);
  }
  return cached;
}

/** JSON Schema (draft 2020-12) of the patch document, for docs and editors. */
export function patchJsonSchema(): Record<string, unknown> {
  const { z, document } = schemas();
  return z.toJSONSchema(document);
}

export interface SalvagedModule {
  /** The raw id when it is a string, even if the element is malformed (to avoid cascades). */
  readonly id: string | undefined;
  /** The usable part of the element (see `salvageModule`), when it has string id and type. */
  readonly module: PatchModule | undefined;
}

export interface StructureResult {
  readonly errors: PatchError[];
  /**
   * False when the input cannot be read as this format at all (not an object, wrong `format`
   * or `version`): then its content is not interpreted further.
   */
  readonly readable: boolean;
  /** One entry per element of `modules`, in document order (empty when not an array). */
  readonly modules: readonly SalvagedModule[];
  /** One entry per element of `connections`; undefined when `from` or `to` is unusable. */
  readonly connections: readonly (PatchConnection | undefined)[];
}

/** Reports every structural problem of `input` and salvages the usable part of each element. */
export function checkStructure(input: unknown): StructureResult {
  const parsed = schemas().document.safeParse(input);
  const issues = parsed.success ? [] : parsed.error.issues;
  const readable = isRecord(input) && !issues.some(isEnvelopeIssue);
  if (!readable) {
    // Only the envelope is reported: the content may be another format or version.
    const errors = issues.filter((i) => i.path.length === 0 || isEnvelopeIssue(i)).flatMap((i) => issueToErrors(i, input));
    return { errors, readable, modules: [], connections: [] };
  }
  const errors = issues.flatMap((issue) => issueToErrors(issue, input));
  const modules = arrayOrEmpty(input['modules']).map(salvageModule);
  const connections = arrayOrEmpty(input['connections']).map(salvageConnection);
  return { errors, readable, modules, connections };
}

/**
 * Keeps what the semantic checks can use: a module needs string `id` and `type`; params of the
 * wrong JSON type are dropped (a non-object `params` counts as none). Unknown keys are dropped.
 */
function salvageModule(raw: unknown): SalvagedModule {
  if (!isRecord(raw)) return { id: undefined, module: undefined };
  const { id, type, params } = raw;
  const rawId = typeof id === 'string' ? id : undefined;
  if (typeof id !== 'string' || typeof type !== 'string') return { id: rawId, module: undefined };
  if (!isRecord(params)) return { id, module: { id, type } };
  const paramValue = schemas().paramValue;
  const kept = Object.entries(params).filter(([, v]) => paramValue.safeParse(v).success) as [string, ParamInput][];
  return { id, module: { id, type, params: Object.fromEntries(kept) } };
}

/** A connection needs string `from` and `to`; an invalid `amount` is dropped. */
function salvageConnection(raw: unknown): PatchConnection | undefined {
  if (!isRecord(raw)) return undefined;
  const { from, to, amount } = raw;
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  return typeof amount === 'number' && Number.isFinite(amount) ? { from, to, amount } : { from, to };
}

// ---- zod issues → PatchErrors ----

type Issue = import('zod').z.core.$ZodIssue;
type PathKey = PropertyKey;

function isEnvelopeIssue(issue: Issue): boolean {
  return issue.path.length === 1 && (issue.path[0] === 'format' || issue.path[0] === 'version');
}

function issueToErrors(issue: Issue, input: unknown): PatchError[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const keys = schemas().knownKeys;
    const known = path.length === 0 ? keys.root : path[0] === 'modules' ? keys.module : keys.connection;
    return issue.keys.map((key) =>
      patchError('E_UNKNOWN_KEY', fmt([...path, key]), `unknown key '${key}' (expected one of: ${known.join(', ')})`),
    );
  }
  const value = valueAt(input, path);
  const at = fmt(path);
  const [code, message] = classify(issue, path, value);
  return [patchError(code, at, message)];
}

function classify(issue: Issue, path: readonly PathKey[], value: unknown): [PatchErrorCode, string] {
  if (path.length === 1 && path[0] === 'format') {
    return ['E_FORMAT', value === undefined ? `'format' is required and must be "${PATCH_FORMAT}"` : `format must be "${PATCH_FORMAT}", got ${show(value)}`];
  }
  if (path.length === 1 && path[0] === 'version') {
    return ['E_VERSION', value === undefined ? `'version' is required (supported: ${PATCH_VERSION})` : `unsupported version ${show(value)} (supported: ${PATCH_VERSION})`];
  }
  if (path.length === 4 && path[0] === 'modules' && path[2] === 'params') {
    return ['E_PARAM_TYPE', `param value must be a number, a string or a boolean, got ${describe(value)}`];
  }
  if (path.length === 3 && path[0] === 'connections' && path[2] === 'amount') {
    return ['E_BAD_AMOUNT', `amount must be a finite number, got ${describe(value)}`];
  }
  if (issue.code === 'invalid_type') {
    const what = path.length === 0 ? 'the patch' : `'${String(path[path.length - 1])}'`;
    const expected = issue.expected === 'record' ? 'object' : issue.expected;
    return ['E_SCHEMA', value === undefined ? `${what} is required (${expected})` : `${what} must be ${article(expected)}, got ${describe(value)}`];
  }
  return ['E_SCHEMA', issue.message];
}

function fmt(path: readonly PathKey[]): string {
  return formatPath(path.map((k) => (typeof k === 'number' ? k : String(k))));
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (Array.isArray(v) && typeof key === 'number') v = v[key];
    else if (isRecord(v) && typeof key === 'string') v = v[key];
    else return undefined;
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOrEmpty(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Human description of a JSON-ish value's type, e.g. "an object", "a string ("x")". */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isFinite(v) ? `a number (${v})` : String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  return article(typeof v);
}

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
  return describe(v);
}

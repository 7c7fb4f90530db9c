// defineModule: a module is its spec and its kernel. The spec is written once; the param, input
// and output indices the kernel uses are derived from it, typed, so `P.frequency` for a param
// declared as `freq` fails to compile. See docs/authoring-modules.md.
//
// Threading: called at module load (any thread); allocates. Nothing here runs per block.

import type { KernelConstructor, ModuleDefinition } from './kernel.js';
import type { ModuleSpec, ParamSpec, PortSpec } from './spec.js';

/** A param as written in a module file: `scale` defaults to 'linear'. */
export type ParamDeclaration = Omit<ParamSpec, 'scale'> & { readonly scale?: ParamSpec['scale'] };

/**
 * A module spec as written in a module file. Defaults: `gate` false, `blockSizeInvariant` true
 * (every module so far renders per sample with its state carried across calls).
 */
export interface ModuleDeclaration {
  readonly type: string;
  readonly doc: string;
  readonly params: readonly ParamDeclaration[];
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly gate?: boolean;
  readonly legato?: boolean;
  readonly blockSizeInvariant?: boolean;
  readonly silentInSilentOut: boolean;
  readonly loopDelayMs?: number;
  readonly latency?: ModuleSpec['latency'];
  readonly bufferParams?: ModuleSpec['bufferParams'];
}

type IdsOf<T extends readonly { readonly id: string }[]> = T[number]['id'];

/** Position of each id in its list (spec order), keyed by id. */
export type IndexMap<Id extends string> = { readonly [K in Id]: number };

/** A declared module: its normalised spec and the index maps derived from it. */
export interface DeclaredModule<D extends ModuleDeclaration> {
  readonly spec: ModuleSpec;
  /** Param index by id: `io.params[P.freq]`. */
  readonly param: IndexMap<IdsOf<D['params']>>;
  /** Input index by id: `io.inputs[IN.fm]`. */
  readonly input: IndexMap<IdsOf<D['inputs']>>;
  /** Output index by id: `io.outputs[OUT.out]`. */
  readonly output: IndexMap<IdsOf<D['outputs']>>;
  /** The registrable definition: this spec with its kernel class. */
  withKernel(kernel: KernelConstructor): ModuleDefinition;
}

function indexMap<Id extends string>(items: readonly { readonly id: string }[]): IndexMap<Id> {
  const map: Record<string, number> = {};
  items.forEach((item, index) => {
    map[item.id] = index;
  });
  return Object.freeze(map) as IndexMap<Id>;
}

/**
 * Declares a module type. The spec is checked when it is registered (registry.ts), so a
 * malformed one fails at start-up.
 */
export function defineModule<const D extends ModuleDeclaration>(declaration: D): DeclaredModule<D> {
  const spec: ModuleSpec = {
    type: declaration.type,
    doc: declaration.doc,
    params: declaration.params.map((p): ParamSpec => ({ ...p, scale: p.scale ?? 'linear' })),
    inputs: declaration.inputs,
    outputs: declaration.outputs,
    gate: declaration.gate ?? false,
    ...(declaration.legato === true ? { legato: true } : {}),
    blockSizeInvariant: declaration.blockSizeInvariant ?? true,
    silentInSilentOut: declaration.silentInSilentOut,
    ...(declaration.loopDelayMs === undefined ? {} : { loopDelayMs: declaration.loopDelayMs }),
    ...(declaration.latency === undefined ? {} : { latency: declaration.latency }),
    ...(declaration.bufferParams === undefined ? {} : { bufferParams: declaration.bufferParams }),
  };
  return {
    spec,
    param: indexMap(declaration.params),
    input: indexMap(declaration.inputs),
    output: indexMap(declaration.outputs),
    withKernel: (kernel) => ({ spec, kernel }),
  };
}

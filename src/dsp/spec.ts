// Declarative module specs: the single source for patch validation, OSC validation,
// /engine/schema and the generated module reference. Pure data; no engine imports.

/** Units shown to users; `enum` params carry `labels` and hold the label index as value. */
export type ParamUnit = 'Hz' | 'ms' | 's' | 'cents' | 'semitones' | 'dB' | 'ratio' | 'level' | 'octaves' | 'enum';

export interface ParamSpec {
  /** Identifier used in patches and OSC (`/mod/<id>/<param>`). `[a-z][a-z0-9_]*`. */
  readonly id: string;
  readonly unit: ParamUnit;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  /**
   * Linear ramp time for live changes, in ms (per-sample ramp, never per-block steps).
   * 0 = applied at the exact sample (enum params, times of envelopes).
   */
  readonly smoothingMs: number;
  /** Display/UI hint only: how the range is best swept. */
  readonly scale: 'linear' | 'exp';
  /** For `unit: 'enum'`: the labels; the value is the label's index. */
  readonly labels?: readonly string[];
  /** Old-API names accepted for this param (e.g. `frequency` for `freq`). */
  readonly aliases?: readonly string[];
  /** False for params that cannot take modulation connections (enums always). Default true. */
  readonly modulatable?: boolean;
  /**
   * `unit: 'ms'` params only: the param also accepts a note value (`1/4`, `1/8.` dotted,
   * `1/16t` triplet, `1/1`, `2/1`), which the engine turns into ms at the transport's tempo and
   * keeps in step with it (the kernel always reads ms). Default false.
   */
  readonly tempoSync?: boolean;
  readonly doc: string;
}

export interface PortSpec {
  /** Port id: `[a-z][a-z0-9_]*`. The first input is the default target of `"to": "<module>"`. */
  readonly id: string;
  readonly doc: string;
  /**
   * Inputs only. True when the kernel applies the port's `scale` itself, reading each sample
   * it uses as Math.fround(scale · buffer[i]) (the value a mix would have stored): a single
   * source with an amount other than 1 is then handed over as is, with scale = amount, instead
   * of being scaled into a mix buffer first. Worth it for ports read sparsely (the filter reads
   * `fm` once per control period). Default false: the port always presents scale 1.
   */
  readonly readsScale?: boolean;
}

/**
 * Stereo convention: an input or output list that holds ports `left` and `right` has a stereo
 * pair. Connecting two modules without naming ports connects a stereo output pair to a stereo
 * input pair side by side; a mono source into a module whose default input is `left` feeds both
 * sides; a stereo source into a mono input is summed at half amount per side. See
 * docs/authoring-modules.md and the module reference.
 */
export const STEREO_PORTS = ['left', 'right'] as const;

/**
 * Conventions for voices (docs/authoring-modules.md):
 * - Gates carry velocity: Kernel.gate(on, velocity), velocity in (0, 1] (1 for a plain on).
 * - A `gate` or `trig` input is a gate as a signal: a sample > 0 after a sample ≤ 0 is a rising
 *   edge on that exact sample, its value (at most 1) the velocity; for `gate`, a fall to ≤ 0 is
 *   the note off. So clock dividers, sequencers-as-modules and S&H can drive drums and envelopes.
 * - A `pitch` input is in octaves, exponential: f = freq · 2^pitch (1 V/oct style), summed per
 *   sample; semitone `transpose` and cent `fine` params where users expect them.
 * - A `choke` param (group number, 0 = none): gating a module chokes the others of its group
 *   (Kernel.choke, engine/choke.ts).
 */
export const VOICE_PORTS = { gate: 'gate', trig: 'trig', pitch: 'pitch', choke: 'choke' } as const;

/** True when `ports` holds a stereo pair (`left` and `right`). */
export function hasStereoPair(ports: readonly PortSpec[]): boolean {
  return ports.some((p) => p.id === 'left') && ports.some((p) => p.id === 'right');
}

/** A spec as /engine/schema reports it: the spec plus which port lists hold a stereo pair. */
export function specForSchema(spec: ModuleSpec): ModuleSpec & { readonly stereo: { readonly inputs: boolean; readonly outputs: boolean } } {
  return { ...spec, stereo: { inputs: hasStereoPair(spec.inputs), outputs: hasStereoPair(spec.outputs) } };
}

export interface ModuleSpec {
  /** Registry key, stable forever: `[a-z][a-z0-9_]*`. */
  readonly type: string;
  readonly doc: string;
  readonly params: readonly ParamSpec[];
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  /** True when the module reacts to `/gate/<id>`. */
  readonly gate: boolean;
  /**
   * True when a gate-on that finds the gate already on continues the note (legato: a glide,
   * no retrigger), as the acid voice's slide. A sequencer's slide steps send such modules that
   * second gate-on; other gate targets just hold their note (docs/sequencing.md). Default false.
   */
  readonly legato?: boolean;
  /**
   * True when output does not depend on how the timeline is cut into blocks
   * (every module so far: all processing is per-sample with state carried across calls).
   */
  readonly blockSizeInvariant: boolean;
  /**
   * True when silent (all-zero) inputs always give silent output; false for sources
   * (oscillators, noise, LFOs, envelopes with no input).
   */
  readonly silentInSilentOut: boolean;
  /**
   * Feedback: set on modules whose output depends on their audio inputs only after at least this
   * delay (ms), which lets a patch close a loop through them (their kernel extends
   * LoopBreakingKernel). A cycle that passes through none of them is refused.
   */
  readonly loopDelayMs?: number;
  /**
   * Latency the module adds to its audio path: fixed `samples`, plus floor(`ms` · fs / 1000)
   * samples, plus the value of the ms param named by `param` (e.g. a lookahead). Reported in
   * /engine/schema and the module reference.
   */
  readonly latency?: { readonly samples?: number; readonly ms?: number; readonly param?: string };
  /**
   * Buffer params: params whose value is the name of a loaded sample buffer (`/buffer/load`),
   * written in a patch like a param (`"params": { "buffer": "break1" }`, `/patch/set s buffer
   * break1`). Not numeric: never smoothed, modulated or set by /mod. Validation refuses a name
   * that is not loaded; the engine hands the kernel the buffer with Kernel.bindBuffer when the
   * patch is applied (a name the engine does not hold binds as `undefined`: silence).
   */
  readonly bufferParams?: readonly PortSpec[];
}

/** A buffer name: what `/buffer/load` accepts and a buffer param holds. */
export const BUFFER_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Alias of a module type kept for the old API: same kernel, different param defaults. */
export interface TypeAlias {
  readonly alias: string;
  readonly type: string;
  readonly defaults: Readonly<Record<string, number>>;
  readonly doc: string;
}

export const ID_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Checks a spec's internal consistency; returns human-readable problems (empty when valid). */
export function specProblems(spec: ModuleSpec): string[] {
  const problems: string[] = [];
  const where = `module '${spec.type}'`;
  if (!ID_PATTERN.test(spec.type)) problems.push(`${where}: type must match ${ID_PATTERN}`);
  if (spec.doc.trim() === '') problems.push(`${where}: doc is empty`);
  if (spec.outputs.length === 0) problems.push(`${where}: has no outputs`);
  const names = new Set<string>();
  const claim = (name: string, what: string): void => {
    if (!ID_PATTERN.test(name)) problems.push(`${where}: ${what} '${name}' must match ${ID_PATTERN}`);
    if (names.has(name)) problems.push(`${where}: name '${name}' is used twice (params, aliases and ports share one namespace)`);
    names.add(name);
  };
  for (const p of spec.params) {
    const at = `${where} param '${p.id}'`;
    claim(p.id, 'param');
    for (const a of p.aliases ?? []) claim(a, 'param alias');
    if (!(Number.isFinite(p.min) && Number.isFinite(p.max) && p.min < p.max)) problems.push(`${at}: needs finite min < max`);
    if (!(p.default >= p.min && p.default <= p.max)) problems.push(`${at}: default ${p.default} outside [${p.min}, ${p.max}]`);
    if (!(p.smoothingMs >= 0 && p.smoothingMs <= 1000)) problems.push(`${at}: smoothingMs must be in [0, 1000]`);
    if (p.doc.trim() === '') problems.push(`${at}: doc is empty`);
    if (p.unit === 'enum') {
      const labels = p.labels ?? [];
      if (labels.length < 2) problems.push(`${at}: enum needs at least two labels`);
      if (p.min !== 0 || p.max !== labels.length - 1) problems.push(`${at}: enum range must be [0, labels.length - 1]`);
      if (!Number.isInteger(p.default)) problems.push(`${at}: enum default must be an index`);
      if (p.smoothingMs !== 0) problems.push(`${at}: enum params cannot be smoothed`);
      if (p.modulatable !== false) problems.push(`${at}: enum params must declare modulatable: false`);
      for (const l of labels) if (!ID_PATTERN.test(l)) problems.push(`${at}: label '${l}' must match ${ID_PATTERN}`);
    } else if (p.labels !== undefined) {
      problems.push(`${at}: only enum params have labels`);
    }
  }
  for (const p of spec.params) {
    if (p.tempoSync === true && p.unit !== 'ms') problems.push(`${where} param '${p.id}': only ms params can be tempoSync`);
  }
  if (spec.loopDelayMs !== undefined && !(spec.loopDelayMs > 0 && spec.loopDelayMs <= 1000)) problems.push(`${where}: loopDelayMs must be in (0, 1000]`);
  if (spec.latency?.param !== undefined && spec.params.find((p) => p.id === spec.latency?.param)?.unit !== 'ms') {
    problems.push(`${where}: latency.param '${spec.latency.param}' must name an ms param`);
  }
  for (const b of spec.bufferParams ?? []) claim(b.id, 'buffer param');
  for (const port of spec.inputs) claim(port.id, 'input');
  const outNames = new Set<string>();
  for (const port of spec.outputs) {
    if (!ID_PATTERN.test(port.id)) problems.push(`${where}: output '${port.id}' must match ${ID_PATTERN}`);
    if (outNames.has(port.id)) problems.push(`${where}: output '${port.id}' declared twice`);
    outNames.add(port.id);
  }
  return problems;
}

/** Finds a param by id or alias. */
export function findParam(spec: ModuleSpec, name: string): ParamSpec | undefined {
  return spec.params.find((p) => p.id === name || (p.aliases?.includes(name) ?? false));
}

/**
 * Converts a user value (number, boolean, or enum label) to the param's numeric value.
 * Returns undefined when the value has the wrong type or is not a known label; the range is
 * checked separately by the caller so that it can report which rule failed.
 */
export function paramValueFromInput(param: ParamSpec, value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && param.unit === 'enum') {
    const index = param.labels?.indexOf(value.toLowerCase()) ?? -1;
    return index >= 0 ? index : undefined;
  }
  if (typeof value === 'string' && param.tempoSync === true) {
    const beats = noteValueBeats(value);
    return beats === undefined ? undefined : syncedMs(param, beats, DEFAULT_BPM);
  }
  return undefined;
}

const NOTE_VALUE = /^([1-9][0-9]?)\/([1-9][0-9]?)([.t]?)$/;

/**
 * A note value's length in beats (quarter notes): `1/4` = 1, `1/8.` (dotted) = 0.75,
 * `1/16t` (triplet) = 1/6, `1/1` = 4, `2/1` = 8. Undefined when `text` is not a note value.
 */
export function noteValueBeats(text: string): number | undefined {
  const m = NOTE_VALUE.exec(text.trim());
  if (m === null) return undefined;
  const whole = (4 * Number(m[1])) / Number(m[2]);
  return m[3] === '.' ? whole * 1.5 : m[3] === 't' ? (whole * 2) / 3 : whole;
}

/** A synced time in ms at `bpm`, clamped to the param's range. */
export function syncedMs(param: ParamSpec, beats: number, bpm: number): number {
  const ms = (beats * 60000) / bpm;
  return ms < param.min ? param.min : ms > param.max ? param.max : ms;
}

/** The tempo the engine starts with (the transport's default), used to show synced times. */
export const DEFAULT_BPM = 120;

/** Returns the label for enum values, the number otherwise (used when serialising patches). */
export function paramValueForOutput(param: ParamSpec, value: number): number | string {
  if (param.unit === 'enum') return param.labels?.[Math.round(value)] ?? value;
  return value;
}

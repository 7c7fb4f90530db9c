// Control operations: sequencer and transport changes as plain, JSON-serialisable data.
// An op's effect depends only on the engine's state and the op (applied at an exact frame by
// `Engine.scheduleControl`), so a journal of (frame, op) replays bit-identically. Ops reach the
// engine already validated (control/seq-commands.ts); the engine still ignores an op that does
// not fit its state (an unknown sequencer id, a lane beyond the limit) rather than throw.

export type ControlOp =
  /** Tempo, 20–300 BPM; takes effect at the next sixteenth of the transport grid. */
  | { readonly op: 'transport.bpm'; readonly bpm: number }
  /** Swing 0–0.6 (see swingWarp); takes effect at the next eighth (where swing moves nothing). */
  | { readonly op: 'transport.swing'; readonly swing: number }
  /** Starts the transport (if stopped: bar 1 begins at this frame) and every sequencer at the next bar. */
  | { readonly op: 'transport.start' }
  /** Stops every sequencer and the transport, releasing held gates at this frame. */
  | { readonly op: 'transport.stop' }
  | { readonly op: 'seq.create'; readonly id: string }
  | { readonly op: 'seq.delete'; readonly id: string }
  /** Steps 1–64, division (a step lasts 4/division beats); at the next bar unless immediate. */
  | { readonly op: 'seq.config'; readonly id: string; readonly steps: number; readonly division: number; readonly immediate: boolean }
  /** Normalised pattern (X, x, ., _, s, S); at the next bar unless immediate. */
  | { readonly op: 'seq.pattern'; readonly id: string; readonly pattern: string; readonly immediate: boolean }
  /** Adds a gate target module id (null: removes every gate target). */
  | { readonly op: 'seq.gate'; readonly id: string; readonly module: string | null }
  /** Removes a gate target, an accent target (module.param) or a lane (its target and values). */
  | { readonly op: 'seq.unassign'; readonly id: string; readonly what: 'gate'; readonly module: string }
  | { readonly op: 'seq.unassign'; readonly id: string; readonly what: 'accent'; readonly module: string; readonly param: string }
  | { readonly op: 'seq.unassign'; readonly id: string; readonly what: 'param'; readonly lane: string }
  /**
   * Per-step values of a step lane (null: the default): velocity (0–1, 0 = rest), length (a
   * fraction of the step, 0.01–1, else gate_len), prob (0–1), cond (N of M bars: `values` N,
   * `of` M). At the next bar unless immediate.
   */
  | { readonly op: 'seq.steps'; readonly id: string; readonly kind: StepLaneKind; readonly values: ReadonlyArray<number | null>; readonly of?: ReadonlyArray<number | null>; readonly immediate: boolean }
  /** Glide time (ms) of lane params on slide steps (0: they jump). */
  | { readonly op: 'seq.glide'; readonly id: string; readonly ms: number }
  /** Seed of the sequencer's step probabilities (with the engine's seed). */
  | { readonly op: 'seq.seed'; readonly id: string; readonly seed: number }
  /** Lane target: module id and param name. */
  | { readonly op: 'seq.param'; readonly id: string; readonly lane: string; readonly module: string; readonly param: string }
  /** Lane values per step (null: no change); at the next bar unless immediate. */
  | { readonly op: 'seq.lane'; readonly id: string; readonly lane: string; readonly values: ReadonlyArray<number | null>; readonly immediate: boolean }
  /** Gate length as a fraction of a step, 0.01–1. */
  | { readonly op: 'seq.gate_len'; readonly id: string; readonly gateLen: number }
  /** Adds an accent target: what an X step adds to module.param for the duration of its note (an existing module.param: its new amount). */
  | { readonly op: 'seq.accent'; readonly id: string; readonly module: string; readonly param: string; readonly amount: number }
  /** Starts the sequencer at the next bar (starting the transport first if it is stopped). */
  | { readonly op: 'seq.start'; readonly id: string }
  /** Stops the sequencer, releasing its held gate at this frame. */
  | { readonly op: 'seq.stop'; readonly id: string }
  /** Back to step 0 at the next bar (at once when stopped); steps before the bar still play. */
  | { readonly op: 'seq.reset'; readonly id: string }
  | { readonly op: 'seq.reset_all' };

export type ControlOpName = ControlOp['op'];

/** The step lanes every sequencer has (no assign needed). */
export const STEP_LANE_KINDS = ['velocity', 'length', 'prob', 'cond'] as const;
export type StepLaneKind = (typeof STEP_LANE_KINDS)[number];

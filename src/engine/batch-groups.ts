// Batch grouping: reorders a render order so that up to BATCH_LANES mutually independent
// instances of a batchable type become adjacent, as one group (rendered by the type's SIMD
// batch kernel, src/dsp/batch.ts). E.g. W2's voice-by-voice order
//   lfo0 osc0 vcf0 env0 lfo1 osc1 vcf1 env1 ...
// becomes, with only the filter batchable,
//   lfo0 osc0 lfo1 osc1 lfo2 osc2 lfo3 osc3 [vcf0 vcf1 vcf2 vcf3] env0 env1 env2 env3 lfo4 ...
// (and lfo0..3 osc0..3 vcf0..3 env0..3 once every type is batchable).
//
// The algorithm (a deterministic function of the patch): walk the original order; at an
// unscheduled batchable instance x, scan forward up to GROUP_WINDOW positions for instances of
// the same type whose unscheduled ancestors (at most ANCESTOR_LIMIT) do not include x or an
// earlier member (so the members are mutually independent); take the first BATCH_LANES − 1 that
// qualify. The group's pulled-forward ancestors are emitted first (in original order), then the
// members (in original order). Everything else keeps its original relative order, and groups
// form voice by voice (4 voices at a time), which keeps buffer liveness small.
//
// Bus order is preserved exactly: a candidate is rejected if emitting it (or an ancestor it
// pulls forward) would change the order in which the senders of any summed input (an input
// port with several feeds, or one scaled feed) render. Sends into a summed input are performed
// in render order with one float32 rounding each (render-plan.ts, PortSend), so with the order
// of every bus kept, every input sees the same bits as with the original order: the reorder
// changes no output. (What it may change: the order of fault log entries within one sub-block
// and the order of Engine.instances()/moduleCosts(), which follow the render order.)
//
// Threading: render thread, at patch-apply time only (allocates).

import type { ResolvedConnection } from '../patch/document.js';
import { BATCH_LANES } from '../dsp/batch.js';
import type { ModuleInstance } from './instance.js';

/** How far ahead (in original render positions) group members are looked for. */
export const GROUP_WINDOW = 64;
/** Most unscheduled ancestors one candidate may pull forward. */
export const ANCESTOR_LIMIT = 16;

export interface GroupedOrder {
  readonly order: readonly ModuleInstance[];
  /** Groups (2..BATCH_LANES members each), as index ranges [start, start + size) of `order`. */
  readonly groups: readonly { readonly start: number; readonly size: number }[];
}

/** `batchable(m)`: m's type has a batch kernel on this engine. */
export function groupForBatching(
  ordered: readonly ModuleInstance[],
  connections: readonly ResolvedConnection[],
  batchable: (m: ModuleInstance) => boolean,
): GroupedOrder {
  const n = ordered.length;
  const index = new Map(ordered.map((m, i) => [m.id, i] as const));
  const preds: number[][] = ordered.map(() => []);
  // Summed inputs ("buses"): destination port → its senders' indices, sorted, unique.
  const feedsByPort = new Map<string, ResolvedConnection[]>();
  for (const c of connections) {
    const from = index.get(c.from);
    const to = index.get(c.to);
    if (from === undefined || to === undefined) continue;
    if (!preds[to]!.includes(from)) preds[to]!.push(from);
    if (c.kind !== 'input') continue;
    const key = `${c.to}\u0000${c.toIndex}`;
    const list = feedsByPort.get(key);
    if (list === undefined) feedsByPort.set(key, [c]);
    else list.push(c);
  }
  const busSenders: number[][] = [];
  const busesOf: number[][] = ordered.map(() => []);
  for (const feeds of feedsByPort.values()) {
    if (feeds.length === 1 && feeds[0]!.amount === 1) continue;
    const senders = [...new Set(feeds.map((c) => index.get(c.from)!))].sort((a, b) => a - b);
    const bus = busSenders.length;
    busSenders.push(senders);
    for (const s of senders) busesOf[s]!.push(bus);
  }
  const busNext = new Int32Array(busSenders.length);
  const scheduled = new Uint8Array(n);
  const order: ModuleInstance[] = [];
  const groups: { start: number; size: number }[] = [];
  const emit = (i: number): void => {
    scheduled[i] = 1;
    order.push(ordered[i]!);
    for (const bus of busesOf[i]!) busNext[bus]!++;
  };
  /** Unscheduled ancestors of y (not y), or undefined when more than ANCESTOR_LIMIT. */
  const ancestors = (y: number): Set<number> | undefined => {
    const seen = new Set<number>();
    const stack = [y];
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (const p of preds[v]!) {
        if (scheduled[p] === 1 || seen.has(p)) continue;
        seen.add(p);
        if (seen.size > ANCESTOR_LIMIT) return undefined;
        stack.push(p);
      }
    }
    return seen;
  };
  /** True when emitting `seq` now keeps every bus's senders in their original order. */
  const keepsBusOrder = (seq: readonly number[]): boolean => {
    const next = new Map<number, number>();
    for (const i of seq) {
      for (const bus of busesOf[i]!) {
        const k = next.get(bus) ?? busNext[bus]!;
        if (busSenders[bus]![k] !== i) return false;
        next.set(bus, k + 1);
      }
    }
    return true;
  };
  for (let x = 0; x < n; x++) {
    if (scheduled[x] === 1) continue;
    const mx = ordered[x]!;
    if (!batchable(mx)) {
      emit(x);
      continue;
    }
    const members = [x];
    let pulled = new Set<number>();
    const limit = Math.min(n, x + 1 + GROUP_WINDOW);
    for (let y = x + 1; y < limit && members.length < BATCH_LANES; y++) {
      if (scheduled[y] === 1 || ordered[y]!.definition !== mx.definition) continue;
      const anc = ancestors(y);
      if (anc === undefined || members.some((m) => anc.has(m))) continue;
      const nextPulled = new Set([...pulled, ...anc]);
      const seq = [...[...nextPulled].sort((a, b) => a - b), ...members, y];
      if (!keepsBusOrder(seq)) continue;
      pulled = nextPulled;
      members.push(y);
    }
    if (members.length < 2) {
      emit(x);
      continue;
    }
    for (const p of [...pulled].sort((a, b) => a - b)) emit(p);
    groups.push({ start: order.length, size: members.length });
    for (const m of members) emit(m);
  }
  return { order, groups };
}

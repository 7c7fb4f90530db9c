// Layered layout of a patch for the dashboard's graph view, after Sugiyama, Tagawa & Toda (1981)
// "Methods for visual understanding of hierarchical system structures": feedback edges are
// reversed (a depth-first search's back edges), modules get the layer of their longest path
// from a source (signal flows left to right; the master `out` alone in the last layer), and the
// order inside each layer is improved by barycentre sweeps (down, then up) to cut crossings.
// Readable at 50+ modules: columns per layer, rows inside; the page scales the SVG to fit.
//
// Threading: main thread; allocates (once per committed patch).

import { MASTER_ID, type PatchDocument } from '../patch/document.js';

export interface LayoutNode {
  readonly id: string;
  readonly type: string;
  readonly layer: number;
  readonly x: number;
  readonly y: number;
}

export interface LayoutEdge {
  readonly from: string;
  /** Output port named in the connection ('' for the first output). */
  readonly fromPort: string;
  readonly to: string;
  /** Input or param named in the connection ('' for the first input). */
  readonly toPort: string;
  readonly amount: number;
  /** True when the edge closes a feedback loop (drawn right to left). */
  readonly feedback: boolean;
}

export interface GraphLayout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  readonly width: number;
  readonly height: number;
}

/** Node box and spacing, in SVG user units (the page draws boxes of NODE_W × NODE_H). */
export const NODE_W = 120;
export const NODE_H = 34;
const COLUMN = 170;
const ROW = 48;
const MARGIN = 16;
const SWEEPS = 4;

function split(ref: string): [string, string] {
  const dot = ref.indexOf('.');
  return dot < 0 ? [ref, ''] : [ref.slice(0, dot), ref.slice(dot + 1)];
}

export function layoutPatch(doc: PatchDocument): GraphLayout {
  const ids = doc.modules.map((m) => m.id);
  if (!ids.includes(MASTER_ID)) ids.push(MASTER_ID);
  const types = new Map(doc.modules.map((m) => [m.id, m.type] as const));
  const index = new Map(ids.map((id, i) => [id, i] as const));
  const raw = doc.connections.flatMap((c) => {
    const [from, fromPort] = split(c.from);
    const [to, toPort] = split(c.to);
    return index.has(from) && index.has(to) ? [{ from, fromPort, to, toPort, amount: c.amount ?? 1 }] : [];
  });
  // Back edges of a DFS in patch order (iterative: deep chains must not overflow the stack).
  const out = ids.map(() => [] as number[]);
  raw.forEach((e, k) => out[index.get(e.from)!]!.push(k));
  const state = new Uint8Array(ids.length); // 0 new, 1 on the stack, 2 done
  const feedback = new Uint8Array(raw.length);
  for (let root = 0; root < ids.length; root++) {
    if (state[root] !== 0) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = out[top[0]]!;
      if (top[1] >= edges.length) {
        state[top[0]] = 2;
        stack.pop();
        continue;
      }
      const k = edges[top[1]++]!;
      const to = index.get(raw[k]!.to)!;
      if (to === top[0] || state[to] === 1) feedback[k] = 1;
      else if (state[to] === 0) {
        state[to] = 1;
        stack.push([to, 0]);
      }
    }
  }
  // Longest-path layers over the forward edges (Kahn's order).
  const preds = ids.map(() => [] as number[]);
  const succs = ids.map(() => [] as number[]);
  const indegree = new Int32Array(ids.length);
  raw.forEach((e, k) => {
    if (feedback[k] === 1) return;
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    preds[b]!.push(a);
    succs[a]!.push(b);
    indegree[b]!++;
  });
  const layer = new Int32Array(ids.length);
  const queue: number[] = [];
  for (let i = 0; i < ids.length; i++) if (indegree[i] === 0) queue.push(i);
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q]!;
    for (const b of succs[a]!) {
      layer[b] = Math.max(layer[b]!, layer[a]! + 1);
      if (--indegree[b]! === 0) queue.push(b);
    }
  }
  const master = index.get(MASTER_ID)!;
  let last = 0;
  for (let i = 0; i < ids.length; i++) if (i !== master) last = Math.max(last, layer[i]!);
  layer[master] = Math.max(layer[master]!, last + 1);
  const layers: number[][] = Array.from({ length: (layer[master] ?? 0) + 1 }, () => []);
  for (let i = 0; i < ids.length; i++) layers[layer[i]!]!.push(i);
  // Barycentre sweeps: order each layer by the mean position of its neighbours in the previous one.
  const position = new Float64Array(ids.length);
  const place = (): void => layers.forEach((l) => l.forEach((n, k) => (position[n] = k)));
  place();
  const reorder = (l: number[], neighbours: number[][]): void => {
    const key = new Map<number, number>();
    for (const n of l) {
      const near = neighbours[n]!;
      key.set(n, near.length === 0 ? position[n]! : near.reduce((s, m) => s + position[m]!, 0) / near.length);
    }
    l.sort((a, b) => key.get(a)! - key.get(b)! || position[a]! - position[b]!);
    l.forEach((n, k) => (position[n] = k));
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (let l = 1; l < layers.length; l++) reorder(layers[l]!, preds);
    for (let l = layers.length - 2; l >= 0; l--) reorder(layers[l]!, succs);
  }
  const tallest = Math.max(...layers.map((l) => l.length));
  const nodes: LayoutNode[] = [];
  layers.forEach((l, li) => {
    const offset = ((tallest - l.length) * ROW) / 2;
    l.forEach((n, k) => nodes.push({ id: ids[n]!, type: types.get(ids[n]!) ?? 'out', layer: li, x: MARGIN + li * COLUMN, y: MARGIN + offset + k * ROW }));
  });
  const edges = raw.map((e, k) => ({ ...e, feedback: feedback[k] === 1 }));
  return { nodes, edges, width: 2 * MARGIN + (layers.length - 1) * COLUMN + NODE_W, height: 2 * MARGIN + (tallest - 1) * ROW + NODE_H };
}

// Directed-graph helpers for patches: deterministic topological order (render order) and
// cycle finding. Nodes are module ids given in document order; that order breaks every tie,
// so the same document always gives the same result. Iterative throughout (no recursion
// depth limit on large untrusted patches).

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
}

export interface TopologicalResult {
  /** Every node that is not on or downstream of a cycle, each after all of its sources. */
  readonly order: string[];
  /** Nodes left over because of cycles (empty when the graph is acyclic), in document order. */
  readonly unsorted: string[];
}

/**
 * Kahn's algorithm; among the nodes ready at any step the earliest in `nodes` goes first.
 * Duplicate edges are allowed. Edges naming unknown nodes throw (a caller bug).
 */
export function topologicalSort(nodes: readonly string[], edges: readonly GraphEdge[]): TopologicalResult {
  const g = indexGraph(nodes, edges);
  const indegree = new Int32Array(nodes.length);
  for (const targets of g.multiOut) for (const t of targets) indegree[t]!++;
  const ready = new MinHeap();
  for (let v = 0; v < nodes.length; v++) if (indegree[v] === 0) ready.push(v);
  const order: string[] = [];
  const done = new Uint8Array(nodes.length);
  while (ready.size > 0) {
    const v = ready.pop();
    done[v] = 1;
    order.push(nodes[v] as string);
    for (const t of g.multiOut[v] as number[]) if (--indegree[t]! === 0) ready.push(t);
  }
  const unsorted = nodes.filter((_, v) => done[v] === 0);
  return { order, unsorted };
}

/**
 * Finds one cycle per strongly connected component that contains a cycle (self-loops
 * included): the shortest cycle through the component's earliest node, as the list of ids
 * along it starting at that node (the closing edge back to the first id is implied).
 * Sorted by first node; empty when the graph is acyclic.
 */
export function findCycles(nodes: readonly string[], edges: readonly GraphEdge[]): string[][] {
  const g = indexGraph(nodes, edges);
  const cycles: number[][] = [];
  for (const component of stronglyConnectedComponents(g.out)) {
    const start = component.reduce((a, b) => Math.min(a, b));
    const members = new Set(component);
    if (component.length > 1 || (g.out[start] as number[]).includes(start)) cycles.push(shortestCycle(g.out, start, members));
  }
  cycles.sort((a, b) => (a[0] as number) - (b[0] as number));
  return cycles.map((c) => c.map((v) => nodes[v] as string));
}

/**
 * The strongly connected component of each node (same number = same component): two nodes
 * share one exactly when each reaches the other, i.e. they lie on a common cycle.
 */
export function componentIds(nodes: readonly string[], edges: readonly GraphEdge[]): Map<string, number> {
  const g = indexGraph(nodes, edges);
  const ids = new Map<string, number>();
  stronglyConnectedComponents(g.out).forEach((component, c) => {
    for (const v of component) ids.set(nodes[v] as string, c);
  });
  return ids;
}

/** `['a', 'b', 'c']` → `"a → b → c → a"`. */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.length === 0 ? '' : [...cycle, cycle[0]].join(' → ');
}

interface IndexedGraph {
  /** Successors per node with multiplicity, in edge order. */
  readonly multiOut: number[][];
  /** Distinct successors per node, ascending (document order). */
  readonly out: number[][];
}

function indexGraph(nodes: readonly string[], edges: readonly GraphEdge[]): IndexedGraph {
  const index = new Map<string, number>();
  nodes.forEach((id, i) => {
    if (index.has(id)) throw new Error(`graph: duplicate node '${id}'`);
    index.set(id, i);
  });
  const multiOut: number[][] = nodes.map(() => []);
  for (const e of edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) throw new Error(`graph: edge ${e.from} → ${e.to} names an unknown node`);
    (multiOut[from] as number[]).push(to);
  }
  const out = multiOut.map((targets) => [...new Set(targets)].sort((a, b) => a - b));
  return { multiOut, out };
}

/** Tarjan's algorithm, iterative. Returns components as lists of node indices. */
function stronglyConnectedComponents(out: readonly number[][]): number[][] {
  const n = out.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    // Call stack of [node, next successor position].
    const calls: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (calls.length > 0) {
      const frame = calls[calls.length - 1] as [number, number];
      const [v, pos] = frame;
      const succ = out[v] as number[];
      if (pos < succ.length) {
        frame[1]++;
        const w = succ[pos] as number;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          calls.push([w, 0]);
        } else if (onStack[w] === 1) {
          low[v] = Math.min(low[v] as number, index[w] as number);
        }
        continue;
      }
      calls.pop();
      const parent = calls[calls.length - 1];
      if (parent !== undefined) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    }
  }
  return components;
}

/** Breadth-first search from `start` back to itself inside `members`; successors in ascending order. */
function shortestCycle(out: readonly number[][], start: number, members: ReadonlySet<number>): number[] {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (const w of out[v] as number[]) {
      if (w === start) {
        const path = [v];
        for (let u = v; u !== start; ) path.push((u = parent.get(u) as number));
        return path.reverse();
      }
      if (members.has(w) && !parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error('graph: component without a cycle');
}

/** Binary min-heap of node indices. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(v: number): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      a[p] = v;
      i = p;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && (a[l] as number) < (a[m] as number)) m = l;
        if (r < a.length && (a[r] as number) < (a[m] as number)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as number, a[i] as number];
        i = m;
      }
    }
    return top;
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCycles, formatCycle, topologicalSort, type GraphEdge } from '../../src/patch/graph.js';

const edges = (...pairs: string[]): GraphEdge[] =>
  pairs.map((p) => {
    const [from, to] = p.split('>') as [string, string];
    return { from, to };
  });

test('empty graph', () => {
  assert.deepEqual(topologicalSort([], []), { order: [], unsorted: [] });
  assert.deepEqual(findCycles([], []), []);
});

test('no edges: document order', () => {
  assert.deepEqual(topologicalSort(['c', 'a', 'b'], []).order, ['c', 'a', 'b']);
});

test('chain declared backwards is reversed', () => {
  assert.deepEqual(topologicalSort(['c', 'b', 'a'], edges('a>b', 'b>c')).order, ['a', 'b', 'c']);
});

test('ties are broken by document order at every step', () => {
  // Ready at start: d, b, e (in that order). a waits for b and c; c waits for e.
  const nodes = ['d', 'a', 'b', 'c', 'e'];
  const result = topologicalSort(nodes, edges('b>a', 'e>c', 'c>a'));
  assert.deepEqual(result.order, ['d', 'b', 'e', 'c', 'a']);
  assert.deepEqual(result.unsorted, []);
});

test('diamond with duplicate edges', () => {
  const result = topologicalSort(['out', 'mix', 'l', 'r', 'src'], edges('src>l', 'src>r', 'l>mix', 'r>mix', 'r>mix', 'mix>out'));
  assert.deepEqual(result.order, ['src', 'l', 'r', 'mix', 'out']);
});

test('result does not depend on edge order', () => {
  const nodes = ['f', 'e', 'd', 'c', 'b', 'a'];
  const es = edges('a>b', 'a>c', 'b>d', 'c>d', 'e>d', 'd>f');
  const expected = topologicalSort(nodes, es).order;
  for (let shift = 1; shift < es.length; shift++) {
    const rotated = [...es.slice(shift), ...es.slice(0, shift)];
    assert.deepEqual(topologicalSort(nodes, rotated).order, expected);
    assert.deepEqual(topologicalSort(nodes, [...rotated].reverse()).order, expected);
  }
});

test('a cycle leaves its nodes and everything downstream unsorted', () => {
  const result = topologicalSort(['src', 'a', 'b', 'sink', 'free'], edges('src>a', 'a>b', 'b>a', 'b>sink'));
  assert.deepEqual(result.order, ['src', 'free']);
  assert.deepEqual(result.unsorted, ['a', 'b', 'sink']);
});

test('acyclic graph has no cycles', () => {
  assert.deepEqual(findCycles(['a', 'b', 'c'], edges('a>b', 'b>c', 'a>c')), []);
});

test('self loop', () => {
  assert.deepEqual(findCycles(['a', 'b'], edges('a>b', 'b>b')), [['b']]);
});

test('cycle starts at its earliest node and follows the edges', () => {
  assert.deepEqual(findCycles(['x', 'c', 'a', 'b'], edges('a>b', 'b>c', 'c>a', 'x>a')), [['c', 'a', 'b']]);
});

test('the shortest cycle through the first node is reported', () => {
  // a → b → c → d → a and a → d → a: the latter is shorter.
  assert.deepEqual(findCycles(['a', 'b', 'c', 'd'], edges('a>b', 'b>c', 'c>d', 'd>a', 'a>d')), [['a', 'd']]);
});

test('one cycle per strongly connected component, sorted by first node', () => {
  const nodes = ['p', 'q', 'a', 'b', 'link'];
  assert.deepEqual(findCycles(nodes, edges('a>b', 'b>a', 'q>p', 'p>q', 'b>link', 'link>p')), [['p', 'q'], ['a', 'b']]);
});

test('formatCycle closes the loop', () => {
  assert.equal(formatCycle(['a', 'b', 'c']), 'a → b → c → a');
  assert.equal(formatCycle(['a']), 'a → a');
});

test('unknown nodes and duplicate nodes are caller bugs', () => {
  assert.throws(() => topologicalSort(['a'], edges('a>b')), /unknown node/);
  assert.throws(() => findCycles(['a', 'a'], []), /duplicate node/);
});

test('long chains and a long cycle need no recursion', () => {
  const n = 50_000;
  const nodes = Array.from({ length: n }, (_, i) => `m${i}`);
  const chain = nodes.slice(1).map((id, i) => ({ from: nodes[i] as string, to: id }));
  const reversed = [...nodes].reverse();
  assert.deepEqual(topologicalSort(reversed, chain).order, nodes);
  const cycles = findCycles(nodes, [...chain, { from: nodes[n - 1] as string, to: 'm0' }]);
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0]?.length, n);
});

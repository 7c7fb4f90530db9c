// The patch graph's layout (src/dashboard/graph-layout.ts): signal flows left to right, the
// master is alone in the last layer, feedback edges are marked, no two boxes overlap, and a
// 64-voice patch stays within a readable size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPatch } from '../../src/control/default-patch.js';
import { NODE_H, NODE_W, layoutPatch } from '../../src/dashboard/graph-layout.js';
import type { PatchDocument } from '../../src/patch/document.js';

function check(doc: PatchDocument): ReturnType<typeof layoutPatch> {
  const layout = layoutPatch(doc);
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  for (const e of layout.edges) {
    if (!e.feedback) assert.ok(at.get(e.to)!.layer > at.get(e.from)!.layer, `${e.from} → ${e.to} goes left to right`);
  }
  const out = at.get('out')!;
  for (const n of layout.nodes) if (n.id !== 'out') assert.ok(n.layer < out.layer, `${n.id} before out`);
  for (let i = 0; i < layout.nodes.length; i++) {
    for (let j = i + 1; j < layout.nodes.length; j++) {
      const a = layout.nodes[i]!;
      const b = layout.nodes[j]!;
      const apart = Math.abs(a.x - b.x) >= NODE_W || Math.abs(a.y - b.y) >= NODE_H;
      assert.ok(apart, `${a.id} and ${b.id} overlap`);
    }
    const n = layout.nodes[i]!;
    assert.ok(n.x >= 0 && n.y >= 0 && n.x + NODE_W <= layout.width && n.y + NODE_H <= layout.height, `${n.id} inside`);
  }
  return layout;
}

test('the default chain is one row, in signal order', () => {
  const layout = check(defaultPatch());
  assert.deepEqual(layout.nodes.map((n) => [n.id, n.layer]), [['sine1', 0], ['adsr1', 1], ['filter1', 2], ['out', 3]]);
  assert.equal(new Set(layout.nodes.map((n) => n.y)).size, 1);
});

test('a feedback loop is marked and does not break the layering', () => {
  const doc = defaultPatch();
  doc.modules.push({ id: 'delay1', type: 'delay' });
  doc.connections.push({ from: 'filter1', to: 'delay1' }, { from: 'delay1', to: 'filter1' }, { from: 'delay1', to: 'out' });
  const layout = check(doc);
  assert.equal(layout.edges.filter((e) => e.feedback).length, 1);
});

test('64 voices (lfo → osc → env → mixer → out) lay out in 5 columns without overlaps, crossings reduced', () => {
  const doc: PatchDocument = { ...defaultPatch(), modules: [], connections: [] };
  const voices = 64;
  for (let v = 0; v < voices; v++) {
    doc.modules.push({ id: `osc${v}`, type: 'osc' }, { id: `env${v}`, type: 'adsr' });
    doc.connections.push({ from: `osc${v}`, to: `env${v}` }, { from: `env${v}`, to: `mix${v % 8}` });
  }
  for (let m = 0; m < 8; m++) {
    doc.modules.push({ id: `mix${m}`, type: 'mixer' }, { id: `lfo${m}`, type: 'lfo' });
    doc.connections.push({ from: `mix${m}`, to: 'out' });
    for (let v = m; v < voices; v += 8) doc.connections.push({ from: `lfo${m}`, to: `osc${v}.freq`, amount: 5 });
  }
  const layout = check(doc);
  assert.equal(Math.max(...layout.nodes.map((n) => n.layer)), 4);
  // After the sweeps every envelope sits beside its oscillator (no crossing between them).
  const y = new Map(layout.nodes.map((n) => [n.id, n.y]));
  const order = (prefix: string): string[] => [...Array(voices).keys()].sort((a, b) => y.get(`${prefix}${a}`)! - y.get(`${prefix}${b}`)!).map(String);
  assert.deepEqual(order('env'), order('osc'));
  // Voices on one mixer are adjacent: the mixers' inputs do not cross.
  const mixOrder = order('env').map((v) => Number(v) % 8);
  let changes = 0;
  for (let i = 1; i < mixOrder.length; i++) if (mixOrder[i] !== mixOrder[i - 1]) changes++;
  assert.ok(changes <= 7, `mixer groups interleave ${changes} times`);
});

// The patch as a graph: the server lays it out (src/dashboard/graph-layout.ts: layers left to
// right, the master last); this draws boxes and curved edges in SVG, scaled to fit. Each box
// shows the module's CPU share; a click selects the module (its controls, and the module scope).
import { html } from './html.js';

const NODE_W = 120;
const NODE_H = 34;

function edgePath(a, b, feedback) {
  const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2;
  if (feedback || x2 <= x1) {
    const dip = Math.max(a.y, b.y) + NODE_H + 24;
    return `M${x1},${y1} C${x1 + 40},${dip} ${x2 - 40},${dip} ${x2},${y2}`;
  }
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}

export function PatchGraph({ layout, costs, selected, onSelect }) {
  if (!layout) return html`<p class="muted">No patch yet.</p>`;
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const share = new Map((costs ?? []).map((c) => [c.id, c.share]));
  return html`<svg class="graph" id="patch-graph" viewBox="0 0 ${layout.width} ${layout.height + 30}" preserveAspectRatio="xMinYMin meet"
      width=${Math.round(layout.width * 1.35)} height=${Math.round((layout.height + 30) * 1.35)}
      data-modules=${layout.nodes.length} data-connections=${layout.edges.length}>
    <defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="6" markerHeight="6" orient="auto">
      <path d="M0,0 L8,4 L0,8 z" fill="#5b6677" /></marker></defs>
    ${layout.edges.map((e) => {
      const a = at.get(e.from), b = at.get(e.to);
      if (!a || !b) return null;
      const mod = e.toPort !== '' && !/^(in|left|right|gate|trig|pitch|fm|input|sidechain)/.test(e.toPort);
      return html`<path class=${`edge${mod ? ' mod' : ''}${e.feedback ? ' feedback' : ''}`} d=${edgePath(a, b, e.feedback)} marker-end="url(#arrow)">
        <title>${e.from}${e.fromPort ? `.${e.fromPort}` : ''} → ${e.to}${e.toPort ? `.${e.toPort}` : ''} (${e.amount})</title></path>`;
    })}
    ${layout.nodes.map((n) => {
      const s = share.get(n.id) ?? 0;
      return html`<g class=${`node${selected === n.id ? ' selected' : ''}`} transform="translate(${n.x},${n.y})" onClick=${() => onSelect(n.id)} data-id=${n.id}>
        <rect width=${NODE_W} height=${NODE_H} rx="5" style=${`fill: rgba(224, 122, 60, ${Math.min(0.85, s * 4).toFixed(3)})`} />
        <rect class="frame" width=${NODE_W} height=${NODE_H} rx="5" />
        <text x="8" y="14" class="id">${n.id}</text>
        <text x="8" y="28" class="type">${n.type}${s > 0 ? ` · ${(s * 100).toFixed(1)}%` : ''}</text>
        <title>${n.id} (${n.type}): ${(s * 100).toFixed(2)}% of the block's render time</title>
      </g>`;
    })}
  </svg>`;
}

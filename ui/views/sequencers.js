// Sequencers as step grids: the pattern (X accent, x note, . rest), the step playing now lit.
import { html } from './html.js';

export function Sequencers({ sequencers, steps, transport }) {
  const ids = Object.keys(sequencers ?? {});
  if (ids.length === 0) return html`<p class="muted">No sequencers (/seq/create).</p>`;
  return html`<div class="seqs">
    ${ids.map((id) => {
      const s = sequencers[id];
      const pattern = s.pattern.replace(/[\s|]/g, '');
      const playing = steps?.[id] ?? -1;
      return html`<div class="seq" data-seq=${id}>
        <div><b>${id}</b> <span class="muted">${s.steps} steps of 1/${s.division}${s.gates?.length ? ` → ${s.gates.join(', ')}` : ''}${s.running && transport?.running ? '' : ' (stopped)'}</span></div>
        <div class="grid">${Array.from({ length: s.steps }, (_, i) => {
          const c = pattern[i % Math.max(1, pattern.length)] ?? '.';
          return html`<span class=${`step ${c === 'X' ? 'accent' : c === 'x' ? 'note' : 'rest'}${i === playing ? ' now' : ''}`} data-step=${i}></span>`;
        })}</div>
      </div>`;
    })}
  </div>`;
}

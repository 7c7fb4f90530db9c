// Controls generated from the module specs: a slider per param (exponential where the spec's
// scale says so), a menu per enum, a pad per gate. Every change is an OSC command through the
// server's command table (/mod/<id>/<param>, /gate/<id>), as any OSC client would send it.
import { html } from './html.js';

const STEPS = 1000;

/** Slider position in [0, 1] of `value` for a param spec. */
export function toSlider(value, p) {
  const v = Math.min(p.max, Math.max(p.min, value));
  if (p.scale === 'exp' && p.min > 0) return Math.log(v / p.min) / Math.log(p.max / p.min);
  if (p.scale === 'exp') return Math.cbrt((v - p.min) / (p.max - p.min));
  return (v - p.min) / (p.max - p.min);
}

/** The param value at slider position t in [0, 1]. */
export function fromSlider(t, p) {
  if (p.scale === 'exp' && p.min > 0) return p.min * (p.max / p.min) ** t;
  if (p.scale === 'exp') return p.min + (p.max - p.min) * t * t * t;
  return p.min + (p.max - p.min) * t;
}

function format(value, p) {
  if (p.unit === 'enum') return p.labels?.[Math.round(value)] ?? String(value);
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  const unit = p.unit === 'level' || p.unit === 'ratio' ? '' : ` ${p.unit}`;
  return `${value.toFixed(digits)}${unit}`;
}

/** The value a patch module holds for param p (numbers and enum labels; else the default). */
export function initialValue(module, p) {
  const v = module?.params?.[p.id];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && p.labels) { const i = p.labels.indexOf(v); if (i >= 0) return i; }
  return p.default;
}

function Param({ moduleId, p, value, onChange }) {
  const name = `${moduleId}.${p.id}`;
  if (p.unit === 'enum') {
    return html`<label class="param" title=${p.doc}><span>${p.id}</span>
      <select data-param=${name} value=${Math.round(value)} onChange=${(e) => onChange(Number(e.target.value))}>
        ${(p.labels ?? []).map((l, i) => html`<option value=${i}>${l}</option>`)}
      </select></label>`;
  }
  return html`<label class="param" title=${`${p.doc} (${p.min} … ${p.max} ${p.unit}, ${p.scale})`}><span>${p.id}</span>
    <input type="range" min="0" max=${STEPS} step="1" data-param=${name} value=${Math.round(toSlider(value, p) * STEPS)}
      onInput=${(e) => onChange(fromSlider(Number(e.target.value) / STEPS, p))} />
    <output data-value=${name}>${format(value, p)}</output></label>`;
}

function GatePad({ id, command }) {
  const press = (on) => (e) => { e.preventDefault(); command(`/gate/${id}`, [on ? 1 : 0]); };
  return html`<button class="pad" data-gate=${id} onPointerDown=${press(true)} onPointerUp=${press(false)} onPointerLeave=${(e) => e.buttons && press(false)(e)}>gate</button>`;
}

export function ModuleControls({ patch, specs, values, costs, selected, onSelect, setParam, command, tap, setTap }) {
  if (!patch) return null;
  const share = new Map((costs ?? []).map((c) => [c.id, c]));
  return html`<div class="modules">
    ${patch.modules.map((m) => {
      const spec = specs.get(m.type);
      if (!spec) return null;
      const open = selected === m.id;
      const cost = share.get(m.id);
      return html`<section class=${`module${open ? ' open' : ''}`} data-module=${m.id}>
        <header onClick=${() => onSelect(open ? null : m.id)}>
          <b>${m.id}</b> <span class="muted">${m.type}</span>
          <span class="cpu" title="Share of the block's render time (sampled profiler, /engine/status moduleCosts)">${cost ? `${(cost.share * 100).toFixed(1)}% · ${cost.meanUs.toFixed(1)} µs` : ''}</span>
        </header>
        ${open && html`<div class="params">
          ${spec.params.map((p) => html`<${Param} moduleId=${m.id} p=${p} value=${values[m.id]?.[p.id] ?? initialValue(m, p)} onChange=${(v) => setParam(m.id, p.id, v)} />`)}
          <div class="row">
            ${spec.gate && html`<${GatePad} id=${m.id} command=${command} />`}
            ${spec.outputs.map((o, i) => html`<button class=${`tapbtn${tap?.module === m.id && tap?.output === i ? ' on' : ''}`} data-tap=${`${m.id}.${o.id}`}
              onClick=${() => setTap(m.id, i)} title="Show this output in the module scope">scope ${o.id}</button>`)}
          </div>
        </div>`}
      </section>`;
    })}
  </div>`;
}

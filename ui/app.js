// The Chronus dashboard page: one WebSocket (protocol.js), a small store, Preact views. Live
// frames are drawn on canvases once per animation frame, outside Preact's renders; everything
// else (status, patch, events) re-renders the views.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { connect } from './protocol.js';
import { html } from './views/html.js';
import { drawMeters, drawScope, drawSpectrum, dbOf } from './views/draw.js';
import { PatchGraph } from './views/graph.js';
import { ModuleControls } from './views/modules.js';
import { Counters, Recording, SlotHealth } from './views/health.js';
import { Sequencers } from './views/sequencers.js';
import { EventLog } from './views/log.js';

// ---------------------------------------------------------------- store
const store = {
  connected: false, specs: new Map(), patch: null, layout: null, status: null, stagedChanges: false,
  sequencers: {}, transport: null, steps: {}, events: [], tap: null, selected: null, values: {}, notice: '',
};
const listeners = new Set();
let scheduled = false;
function update(patch) {
  Object.assign(store, patch);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; for (const l of listeners) l(); });
}

// The last live frame, drawn by the animation loop; counters for tests.
const live = { frame: undefined, frames: 0, clipUntil: 0, meter: { hold: [-Infinity, -Infinity], holdAt: [0, 0] } };
window.__chronus = live;

const link = connect((m) => {
  switch (m.type) {
    case 'frame': if (m.frame) { live.frame = m.frame; live.frames++; } break;
    case 'hello':
      update({ specs: new Map(m.modules.map((s) => [s.type, s])), patch: m.patch, layout: m.layout, events: m.events, tap: m.tap });
      break;
    case 'status':
      update({ status: m.status, stagedChanges: m.stagedChanges, sequencers: m.sequencers, transport: m.transport });
      break;
    case 'steps': update({ steps: m.steps }); break;
    case 'patch': update({ patch: m.patch, layout: m.layout }); break;
    case 'tap': update({ tap: m.tap }); break;
    case 'event': update({ events: [...store.events, m.event].slice(-200) }); break;
    case 'reply':
      if (m.address === '/fail') update({ notice: `${m.args[0]}: ${m.args[1]} ${m.args[2]}` });
      break;
  }
}, (connected) => update({ connected }));

const command = (address, args = []) => link.command(address, args);
// Slider moves: at most one /mod per param per animation frame (the latest value).
const pendingParams = new Map();
function setParam(id, param, value) {
  update({ values: { ...store.values, [id]: { ...store.values[id], [param]: value } } });
  if (pendingParams.size === 0) requestAnimationFrame(() => {
    for (const [address, v] of pendingParams) link.send({ type: 'cmd', id: 0, address, args: [v] });
    pendingParams.clear();
  });
  pendingParams.set(`/mod/${id}/${param}`, value);
}
const setTap = (module, output) => {
  const off = store.tap?.module === module && store.tap?.output === output;
  link.send({ type: 'tap', module: off ? null : module, output });
};

// ---------------------------------------------------------------- drawing
const canvases = {};
let drawn = 0;
function draw(now) {
  const f = live.frame;
  // Only a new frame is drawn (frames arrive FRAME_HZ times a second, slower than the display).
  if (f && live.frames !== drawn) {
    drawn = live.frames;
    drawScope(canvases.scope, [f.scopeL, f.scopeR], ['#5fd08a', '#6fb3ff']);
    drawSpectrum(canvases.spectrum, f.spectrum, f.sampleRate, '#5fd08a');
    drawMeters(canvases.meterBars, f, live.meter, now);
    drawScope(canvases.tapScope, [f.tapScope], ['#f0a050']);
    drawSpectrum(canvases.tapSpectrum, f.tapSpectrum, f.sampleRate, '#f0a050');
    if (f.clipL || f.clipR) live.clipUntil = now + 2000;
    const meters = document.getElementById('meters');
    if (meters) {
      const fmt = (db) => (Number.isFinite(db) ? db.toFixed(1) : '−∞');
      meters.dataset.peakL = String(dbOf(f.peak[0]));
      meters.dataset.peakR = String(dbOf(f.peak[1]));
      document.getElementById('peak-text').textContent = `peak ${fmt(dbOf(f.peak[0]))} / ${fmt(dbOf(f.peak[1]))} dBFS`;
      const lufs = document.getElementById('lufs');
      lufs.textContent = Number.isFinite(f.lufs) ? `${f.lufs.toFixed(1)} LUFS` : '−∞ LUFS';
      lufs.dataset.lufs = String(f.lufs);
      const clip = document.getElementById('clip');
      clip.classList.toggle('on', now < live.clipUntil);
      clip.dataset.clip = now < live.clipUntil ? '1' : '0';
    }
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);

const Canvas = ({ name, cls }) => html`<canvas class=${cls} id=${name} ref=${(el) => { canvases[name] = el; }}></canvas>`;

// ---------------------------------------------------------------- views
function Transport({ transport }) {
  const [bpm, setBpm] = useState('');
  return html`<span class="transport">
    <input type="number" min="20" max="300" step="0.1" aria-label="tempo" data-action="bpm" placeholder=${transport?.bpm ?? 120}
      value=${bpm} onInput=${(e) => setBpm(e.target.value)}
      onKeyDown=${(e) => { if (e.key === 'Enter' && bpm !== '') { command('/seq/bpm', [Number(bpm)]); setBpm(''); } }} /> BPM
    <button data-action="transport" onClick=${() => command(transport?.running ? '/seq/stop' : '/seq/start')}>${transport?.running ? 'Stop' : 'Start'}</button>
  </span>`;
}

function App() {
  const [, rerender] = useState(0);
  useEffect(() => { const l = () => rerender((n) => n + 1); listeners.add(l); return () => listeners.delete(l); }, []);
  const s = store;
  const costs = s.status?.moduleCosts;
  const select = (id) => update({ selected: id });
  const tapLabel = s.tap ? `${s.tap.module}.${s.specs.get(s.patch?.modules.find((m) => m.id === s.tap.module)?.type)?.outputs[s.tap.output]?.id ?? s.tap.output}` : 'none';
  return html`
    <header class="top">
      <h1>Chronus</h1>
      <span class=${`dot${s.connected ? ' on' : ''}`} title=${s.connected ? 'connected' : 'disconnected'}></span>
      <span class="muted">${s.status ? `${s.status.sampleRate} Hz · block ${s.status.blockSize} · lead ${s.status.lead} · sink ${s.status.sink} · up ${Math.round(s.status.uptimeSeconds)} s` : ''}</span>
      <span class="spacer"></span>
      <${Transport} transport=${s.transport} />
      <span class=${`staged${s.stagedChanges ? ' on' : ''}`} data-staged=${s.stagedChanges ? 1 : 0}>${s.stagedChanges ? 'staged changes' : 'no staged changes'}
        <button data-action="commit" disabled=${!s.stagedChanges} onClick=${() => command('/patch/commit')}>Commit</button>
        <button data-action="abort" disabled=${!s.stagedChanges} onClick=${() => command('/patch/abort')}>Abort</button></span>
      <${Recording} recording=${s.status?.recording} command=${command} />
    </header>
    ${s.notice && html`<div class="notice" onClick=${() => update({ notice: '' })}>${s.notice}</div>`}
    <main class="grid">
      <section class="panel scope"><h2>Master</h2><${Canvas} name="scope" cls="scope" /></section>
      <section class="panel"><h2>Master spectrum</h2><${Canvas} name="spectrum" cls="spectrum" /></section>
      <section class="panel meters" id="meters"><h2>Levels</h2>
        <${Canvas} name="meterBars" cls="meter" />
        <div id="peak-text" class="small"></div>
        <div class="loud"><span id="lufs" title="Short-term loudness: K-weighted, last 3 s (ITU-R BS.1770, EBU Tech 3341)">−∞ LUFS</span>
          <span id="clip" class="clip" title="Lit for 2 s after any sample reached full scale">CLIP</span></div>
      </section>
      <section class="panel"><h2>Module scope <span class="muted">${tapLabel}</span></h2><${Canvas} name="tapScope" cls="scope" /></section>
      <section class="panel"><h2>Module spectrum</h2><${Canvas} name="tapSpectrum" cls="spectrum" /></section>
      <section class="panel"><h2>Slots</h2><${SlotHealth} status=${s.status} /></section>
      <section class="panel wide"><h2>Patch <span class="muted">${s.layout ? `${s.layout.nodes.length} modules, ${s.layout.edges.length} connections` : ''}</span></h2>
        <div class="graph-box"><${PatchGraph} layout=${s.layout} costs=${costs} selected=${s.selected} onSelect=${select} /></div></section>
      <section class="panel"><h2>Counters</h2><${Counters} status=${s.status} /></section>
      <section class="panel tall"><h2>Modules</h2>
        <${ModuleControls} patch=${s.patch} specs=${s.specs} values=${s.values} costs=${costs} selected=${s.selected} onSelect=${select}
          setParam=${setParam} command=${command} tap=${s.tap} setTap=${setTap} /></section>
      <section class="panel tall"><h2>Sequencers</h2><${Sequencers} sequencers=${s.sequencers} steps=${s.steps} transport=${s.transport} /></section>
      <section class="panel tall"><h2>Events</h2><${EventLog} events=${s.events} /></section>
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);

// Canvas drawing for the live frames: scopes, spectra and meters. Called straight from the
// WebSocket handler (not through Preact renders), many times a second; each function redraws
// its canvas completely.
import { SPECTRUM_FLOOR_DB } from '../protocol.js';

const GRID = '#2a2f38';
const TEXT = '#8a93a3';

function fit(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(canvas.clientWidth * ratio);
  const h = Math.round(canvas.clientHeight * ratio);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { g, w: canvas.clientWidth, h: canvas.clientHeight };
}

/** Oscilloscope: one or two Int16 traces (−32767 … 32767) across the canvas. */
export function drawScope(canvas, traces, colors) {
  if (!canvas) return;
  const { g, w, h } = fit(canvas);
  g.clearRect(0, 0, w, h);
  g.strokeStyle = GRID;
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(0, h / 2); g.lineTo(w, h / 2);
  g.moveTo(0, h / 4); g.lineTo(w, h / 4);
  g.moveTo(0, (3 * h) / 4); g.lineTo(w, (3 * h) / 4);
  g.stroke();
  traces.forEach((trace, k) => {
    if (!trace) return;
    g.strokeStyle = colors[k];
    g.lineWidth = 1.5;
    g.beginPath();
    for (let i = 0; i < trace.length; i++) {
      const x = (i / (trace.length - 1)) * w;
      const y = h / 2 - (trace[i] / 32767) * (h / 2 - 2);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    }
    g.stroke();
  });
}

/** Spectrum on a log frequency axis (20 Hz … Nyquist), −120 … 0 dBFS. */
export function drawSpectrum(canvas, bins, sampleRate, color) {
  if (!canvas) return;
  const { g, w, h } = fit(canvas);
  g.clearRect(0, 0, w, h);
  const nyquist = sampleRate / 2;
  const lo = Math.log10(20);
  const hi = Math.log10(nyquist);
  const xOf = (f) => ((Math.log10(f) - lo) / (hi - lo)) * w;
  const yOf = (db) => h - ((db + 120) / 120) * h;
  g.strokeStyle = GRID;
  g.fillStyle = TEXT;
  g.font = '10px system-ui, sans-serif';
  g.beginPath();
  for (const f of [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
    if (f >= nyquist) continue;
    g.moveTo(xOf(f), 0); g.lineTo(xOf(f), h);
    g.fillText(f >= 1000 ? `${f / 1000}k` : `${f}`, xOf(f) + 2, h - 2);
  }
  for (const db of [-20, -40, -60, -80, -100]) { g.moveTo(0, yOf(db)); g.lineTo(w, yOf(db)); }
  g.stroke();
  if (!bins) return;
  g.strokeStyle = color;
  g.fillStyle = `${color}33`;
  g.lineWidth = 1.2;
  g.beginPath();
  g.moveTo(0, h);
  const binHz = nyquist / bins.length;
  for (let k = 1; k < bins.length; k++) {
    const f = k * binHz;
    if (f < 20) continue;
    g.lineTo(xOf(f), yOf(SPECTRUM_FLOOR_DB + bins[k] / 2));
  }
  g.lineTo(w, h);
  g.closePath();
  g.fill();
  g.stroke();
}

const dbOf = (x) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
const METER_FLOOR = -60;

/**
 * Stereo meters: RMS bar, peak bar and a held peak line per channel (−60 … 0 dBFS).
 * `state` carries the hold between calls: { hold: [db, db], holdAt: [ms, ms] }.
 */
export function drawMeters(canvas, frame, state, now) {
  if (!canvas) return;
  const { g, w, h } = fit(canvas);
  g.clearRect(0, 0, w, h);
  const yOf = (db) => h - Math.max(0, Math.min(1, (db - METER_FLOOR) / -METER_FLOOR)) * h;
  const bar = (w - 30) / 2;
  for (let c = 0; c < 2; c++) {
    const x = 24 + c * (bar + 4);
    const peak = dbOf(frame.peak[c]);
    const rms = dbOf(frame.rms[c]);
    if (peak >= state.hold[c] || now - state.holdAt[c] > 1500) { state.hold[c] = peak; state.holdAt[c] = now; }
    g.fillStyle = '#1b1f26';
    g.fillRect(x, 0, bar, h);
    g.fillStyle = '#3d7a57';
    g.fillRect(x, yOf(peak), bar, h - yOf(peak));
    g.fillStyle = '#5fd08a';
    g.fillRect(x, yOf(rms), bar, h - yOf(rms));
    if (Number.isFinite(state.hold[c])) {
      g.fillStyle = state.hold[c] > -1 ? '#ff5a5a' : '#e8e8a0';
      g.fillRect(x, yOf(state.hold[c]) - 1, bar, 2);
    }
  }
  g.fillStyle = TEXT;
  g.font = '10px system-ui, sans-serif';
  for (const db of [0, -6, -12, -24, -36, -48]) g.fillText(`${db}`, 0, yOf(db) + 8);
}

export { dbOf };

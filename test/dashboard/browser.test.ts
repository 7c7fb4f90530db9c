// The dashboard in a real browser (Debian chromium via playwright-core), against a real
// `chronus serve --ui`: the page loads without console errors; meters and scope move with a
// tone and rest in silence; a patch committed over OSC appears in the graph; a slider changes
// the param (in /patch/get and in the recorded audio); a sequencer shows its playing step; an
// injected failover appears in the log and in slot health. A screenshot of each state goes to
// test-artifacts/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readWav } from '../../src/io/wav-reader.js';
import { cents, peakFrequency } from '../helpers/analysis.js';
import { ARTIFACTS, dashboardAddress, launchBrowser } from '../helpers/browser.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  [server, browser] = await Promise.all([startServer(['--ui', '--ui-port', '0', '--allow-fault-injection']), launchBrowser()]);
  const { url } = await dashboardAddress(server);
  page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

/** Peak levels (dBFS) the meters show now. */
async function peaks(): Promise<[number, number]> {
  const meters = page.locator('#meters');
  const [l, r] = await Promise.all([meters.getAttribute('data-peak-l'), meters.getAttribute('data-peak-r')]);
  return [Number(l ?? '-Infinity'), Number(r ?? '-Infinity')];
}

/** Distinct pixel rows the master scope's trace covers (a flat line covers a few). */
// Page-side code as text: the tests compile without the DOM library. The canvas is copied to a
// fresh one before reading its pixels (one readback per canvas: no willReadFrequently warning).
// The traces are green (left) and blue (right); the grid is grey.
const SCOPE_ROWS = `(() => {
  const source = document.getElementById('scope');
  const copy = document.createElement('canvas');
  copy.width = source.width;
  copy.height = source.height;
  const g = copy.getContext('2d');
  g.drawImage(source, 0, 0);
  const data = g.getImageData(0, 0, copy.width, copy.height).data;
  let rows = 0;
  for (let y = 0; y < copy.height; y++) {
    for (let x = 0; x < copy.width; x++) {
      const i = 4 * (y * copy.width + x);
      if (data[i + 3] > 0 && (data[i + 1] > 150 || data[i + 2] > 200) && data[i] < 150) { rows++; break; }
    }
  }
  return rows;
})()`;

function scopeRows(): Promise<number> {
  return page.evaluate<number>(SCOPE_ROWS);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the page loads, draws live frames and shows the patch, with no console errors', async () => {
  await until('live frames', async () => (await page.evaluate<number>('window.__chronus.frames')) > 5);
  await page.waitForSelector('#patch-graph g[data-id="sine1"]');
  assert.equal(await page.locator('#patch-graph g.node').count(), 4);
  await page.waitForSelector('.slot[data-slot="1"]');
  await shot('loaded');
  assert.deepEqual(problems, []);
});

test('meters and scope rest in silence and move with a tone', async () => {
  // The default patch is silent until its envelope is gated.
  await until('silence', async () => Math.max(...(await peaks())) < -90);
  assert.ok((await scopeRows()) <= 6, 'flat scope in silence');
  await shot('silence');
  assert.equal((await server.client.request('/gate/adsr1', [1])).address, '/done');
  await until('the tone on the meters', async () => Math.min(...(await peaks())) > -30);
  await until('the tone on the scope', async () => (await scopeRows()) > 12);
  const lufs = Number(await page.locator('#lufs').getAttribute('data-lufs'));
  assert.ok(lufs > -40 && lufs < -5, `short-term loudness ${lufs} LUFS`);
  await shot('tone');
  await server.client.request('/gate/adsr1', [0]);
  await until('silence after the release', async () => Math.max(...(await peaks())) < -90, 6000);
  await until('a flat scope again', async () => (await scopeRows()) <= 6);
});

test('a patch committed over OSC appears in the graph and the event log', async () => {
  for (const [address, args] of [['/patch/create', ['sine2', 'osc']], ['/patch/connect', ['sine2', 'filter1']]] as const) {
    assert.equal((await server.client.request(address, [...args])).address, '/done');
  }
  await page.waitForSelector('[data-staged="1"]');
  assert.equal((await server.client.request('/patch/commit')).address, '/done');
  await page.waitForSelector('#patch-graph g[data-id="sine2"]');
  await page.waitForSelector('#event-log [data-kind="commit"]');
  await page.waitForSelector('[data-staged="0"]');
  await shot('committed');
});

test('moving a slider sets the param: /patch/get and the recorded audio follow', async () => {
  await page.click('#patch-graph g[data-id="sine1"]');
  const slider = page.locator('input[data-param="sine1.freq"]');
  await slider.waitFor();
  await slider.fill('780');
  const expected = 0.1 * (20000 / 0.1) ** 0.78; // the spec's exponential range, 0.1 … 20000 Hz
  const shown = page.locator('output[data-value="sine1.freq"]');
  await until('the slider to show its value', async () => Math.abs(Number.parseFloat((await shown.textContent())!) - expected) / expected < 0.001);
  let freq = 0;
  await until('the param in /patch/get', async () => {
    const patch = JSON.parse((await server.client.request('/patch/get')).args[1] as string) as { modules: Array<{ id: string; params?: Record<string, unknown> }> };
    freq = Number(patch.modules.find((m) => m.id === 'sine1')!.params!['freq']);
    return Math.abs(freq - expected) / expected < 1e-6;
  });
  await server.client.request('/gate/adsr1', [1]);
  await server.client.request('/record/start', ['slider', 'f32']);
  await new Promise((r) => setTimeout(r, 700));
  const stopped = await server.client.request('/record/stop');
  await server.client.request('/gate/adsr1', [0]);
  const wav = readWav(stopped.args[1] as string);
  const left = wav.data[0]!;
  const peak = peakFrequency(left, wav.sampleRate, { size: 16384, start: left.length - 16384 - 1000, minHz: 800 }); // above sine2 (440 Hz, committed above)
  assert.ok(Math.abs(cents(peak.freq, freq)) < 5, `recorded ${peak.freq} Hz, slider ${freq} Hz`);
  // The module scope: sine1's own output (the tap), a full-height sine at its gain 0.25.
  await page.click('[data-tap="sine1.out"]');
  await until('the module scope', async () => (await page.evaluate<number>(
    'window.__chronus.frame && window.__chronus.frame.tapScope ? Math.max(...window.__chronus.frame.tapScope) / 32767 : 0')) > 0.2);
  await shot('slider');
});

test('a sequencer shows its pattern with the playing step lit', async () => {
  for (const [address, args] of [
    ['/seq/create', ['s1']], ['/seq/assign', ['s1', 'gate', 'adsr1']], ['/seq/pattern', ['s1', 'X.x.x.x.X.x.xx.x', 'now']], ['/seq/bpm', [160]], ['/seq/start', []],
  ] as const) {
    assert.equal((await server.client.request(address, [...args])).address, '/done', address);
  }
  await page.waitForSelector('.seq[data-seq="s1"] .step.accent');
  await page.waitForSelector('.seq[data-seq="s1"] .step.now', { timeout: 5000 });
  const first = await page.locator('.seq[data-seq="s1"] .step.now').getAttribute('data-step');
  await until('the lit step to move', async () => (await page.locator('.seq[data-seq="s1"] .step.now').getAttribute('data-step')) !== first);
  await shot('sequencer');
});

test('an injected failover appears in the event log and in slot health', async () => {
  const status = JSON.parse((await server.client.request('/engine/status')).args[0] as string) as { activeSlot: number };
  const failed = status.activeSlot;
  assert.equal((await server.client.request('/debug/fault', [failed, 'throw'])).address, '/done');
  await page.waitForSelector('#event-log [data-kind="failover"]');
  await page.waitForSelector(`.slot.active[data-slot="${1 - failed}"]`);
  await until('the failover counter', async () => Number(await page.locator('[data-counter="failovers"] .value').textContent()) >= 1);
  await shot('failover');
  await page.waitForSelector(`.slot[data-slot="${failed}"][data-state="lockstep"]`, { timeout: 20_000 }); // the rejoin: seconds on a loaded VM
  await page.waitForSelector('#event-log [data-kind="rejoin"]');
  await shot('rejoined');
  assert.deepEqual(problems, [], 'no console errors or warnings at any point');
});

// `npm run bench -- dashboard [--seconds 60]`: what the dashboard costs a live server. A real
// `chronus serve --ui` plays a tone; the server process's CPU (all its threads, from
// /proc/<pid>/stat) is measured with no page open, then with the dashboard open in Debian's
// chromium for --seconds, then with no page again (the two closed phases, half as long each,
// give the baseline: paired around the open phase on a noisy VM). Reported: added CPU (% of
// one core), the WebSocket bandwidth the page received, frames per second, and the underruns
// during each phase (the dashboard must add none).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dashboardAddress, launchBrowser } from '../test/helpers/browser.js';
import { engineStatus, startServer, type RunningServer } from '../test/helpers/server-process.js';
import { round } from '../src/runtime/stats.js';
import { option, sleep } from './bench-args.js';
import { LiveFeed } from '../src/dashboard/live-feed.js';
import { OutputHistory, OutputHistoryWriter } from '../src/runtime/output-taps.js';

/**
 * The main thread's cost of one live frame (LiveFeed.frame: follow the history, meters,
 * loudness, two spectra, the binary frame), in process: ms per frame, with a tap.
 */
function feedCostMs(): number {
  const config = { sampleRate: 48000, blockSize: 128, blocks: 4096 };
  const history = OutputHistory.create(config);
  const writer = new OutputHistoryWriter(config, history.buffer);
  const left = new Float32Array(128);
  const right = new Float32Array(128);
  let n = 0;
  const play = (blocks: number): void => {
    for (let b = 0; b < blocks; b++, n++) {
      for (let i = 0; i < 128; i++) left[i] = right[i] = 0.3 * Math.sin((2 * Math.PI * 440 * (n * 128 + i)) / 48000);
      writer.write(n, left, right);
    }
  };
  const feed = new LiveFeed({ config, history, readTap: (frames, into) => { into.fill(0.1, 0, frames); return frames; } });
  play(400);
  for (let k = 0; k < 200; k++) { play(13); feed.frame(true); } // warm up
  let spent = 0;
  const frames = 600;
  for (let k = 0; k < frames; k++) {
    play(13); // about 1/30 s of blocks between two frames
    const t0 = performance.now();
    feed.frame(true);
    spent += performance.now() - t0;
  }
  return spent / frames;
}

export const DASHBOARD_USAGE = 'dashboard [--seconds 60]   server CPU and WebSocket bandwidth of an open dashboard page, and underruns it adds';

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return ticks / 100; // USER_HZ is 100 on Linux
}

interface Phase {
  readonly name: string;
  readonly seconds: number;
  readonly cpuPct: number;
  readonly underruns: number;
}

async function phase(server: RunningServer, name: string, seconds: number): Promise<Phase> {
  const pid = server.process.pid!;
  const before = await engineStatus(server.client);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const after = await engineStatus(server.client);
  return { name, seconds: round(wall, 1), cpuPct: round((100 * cpu) / wall, 1), underruns: after['underruns'] - before['underruns'] };
}

export async function dashboardBench(args: readonly string[]): Promise<void> {
  const seconds = option(args, '--seconds', 60);
  const [server, browser] = await Promise.all([startServer(['--ui', '--ui-port', '0']), launchBrowser()]);
  try {
    const { url } = await dashboardAddress(server);
    await server.client.request('/gate/adsr1', [1]);
    await sleep(3000); // past the start-up (workers warming up)
    process.stdout.write(`dashboard: ${seconds} s with the page open, ${seconds / 2} s closed before and after; default patch playing, 48 kHz, block 128\n`);
    const closedBefore = await phase(server, 'closed', seconds / 2);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    let bytes = 0;
    let frames = 0;
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      bytes += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length;
      frames++;
    }));
    await page.goto(url);
    await page.waitForSelector('#patch-graph');
    bytes = 0;
    frames = 0;
    const open = await phase(server, 'open', seconds);
    const received = { bytes, frames };
    await page.close();
    const closedAfter = await phase(server, 'closed', seconds / 2);
    const baseline = (closedBefore.cpuPct + closedAfter.cpuPct) / 2;
    const frameMs = feedCostMs();
    const result = {
      bench: 'dashboard',
      seconds,
      serverCpuPct: { closedBefore: closedBefore.cpuPct, open: open.cpuPct, closedAfter: closedAfter.cpuPct, added: round(open.cpuPct - baseline, 1) },
      websocket: { kBytesPerSecond: round(received.bytes / 1024 / open.seconds, 1), messagesPerSecond: round(received.frames / open.seconds, 1) },
      underruns: { closedBefore: closedBefore.underruns, open: open.underruns, closedAfter: closedAfter.underruns },
      feed: { msPerFrame: round(frameMs, 3), cpuPctAt30Hz: round(frameMs * 3, 2) },
    };
    process.stdout.write(`server CPU (% of one core): closed ${closedBefore.cpuPct}, open ${open.cpuPct}, closed ${closedAfter.cpuPct} -> added ${result.serverCpuPct.added}\n`);
    process.stdout.write(`WebSocket to the page: ${result.websocket.kBytesPerSecond} KiB/s, ${result.websocket.messagesPerSecond} messages/s\n`);
    process.stdout.write(`underruns: closed ${closedBefore.underruns}, open ${open.underruns}, closed ${closedAfter.underruns}\n`);
    process.stdout.write(`live frame on the main thread (in process): ${result.feed.msPerFrame} ms per frame = ${result.feed.cpuPctAt30Hz} % of a core at 30 frames/s\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

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
    const result = {
      bench: 'dashboard',
      seconds,
      serverCpuPct: { closedBefore: closedBefore.cpuPct, open: open.cpuPct, closedAfter: closedAfter.cpuPct, added: round(open.cpuPct - baseline, 1) },
      websocket: { kBytesPerSecond: round(received.bytes / 1024 / open.seconds, 1), messagesPerSecond: round(received.frames / open.seconds, 1) },
      underruns: { closedBefore: closedBefore.underruns, open: open.underruns, closedAfter: closedAfter.underruns },
    };
    process.stdout.write(`server CPU (% of one core): closed ${closedBefore.cpuPct}, open ${open.cpuPct}, closed ${closedAfter.cpuPct} -> added ${result.serverCpuPct.added}\n`);
    process.stdout.write(`WebSocket to the page: ${result.websocket.kBytesPerSecond} KiB/s, ${result.websocket.messagesPerSecond} messages/s\n`);
    process.stdout.write(`underruns: closed ${closedBefore.underruns}, open ${open.underruns}, closed ${closedAfter.underruns}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

#!/usr/bin/env node
// The `chronus` command line. Each command's module is imported when it runs, so that a client
// command (send, status) starts fast.

import { Command, InvalidArgumentError } from 'commander';
import { OscClient } from '../control/osc-client.js';
import { clientTarget } from './client-target.js';
import { BRIEF_WAIT_MS, runSend, runSendFile } from './send-command.js';
import { UsageError } from './usage-error.js';

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

const program = new Command();
// Options of a command come before its arguments where it asks so (send: after the address, values).
program.enablePositionalOptions();
program.name('chronus').description('Chronus: a headless real-time modular synthesizer server').version('0.1.0');

program
  .command('render')
  .description('render a patch (and an optional score of timed commands) to a WAV file, offline')
  .argument('<patch>', 'patch JSON file')
  .option('--score <file>', 'score JSON file: [{ "at": seconds, "address": "/gate/env1", "args": [1] }, ...]')
  .requiredOption('--seconds <s>', 'length to render, in seconds', number)
  .requiredOption('--out <file>', 'WAV file to write')
  .option('--rate <hz>', 'sample rate', integer, 48000)
  .option('--block <frames>', 'block size (output is identical for any block size)', integer, 128)
  .option('--format <fmt>', 'sample format: s16 | f32', 'f32')
  .option('--seed <n>', 'seed for noise and random modules', integer, 1)
  .option('-q, --quiet', 'print nothing but errors', false)
  .action(async (patch: string, opts: { score?: string; seconds: number; out: string; rate: number; block: number; format: string; seed: number; quiet: boolean }) => {
    if (opts.format !== 's16' && opts.format !== 'f32') throw new UsageError(`--format must be s16 or f32, not '${opts.format}'`);
    const { runRender } = await import('./render-command.js');
    runRender({ patchPath: patch, ...(opts.score === undefined ? {} : { scorePath: opts.score }), seconds: opts.seconds, out: opts.out, rate: opts.rate, block: opts.block, format: opts.format, seed: opts.seed, quiet: opts.quiet });
  });

program
  .command('serve')
  .description('run the real-time server (OSC over UDP and TCP)')
  .option('--port <n>', 'OSC port (UDP and TCP)', integer, 5005)
  .option('--host <addr>', 'address to bind (beyond loopback: no authentication, see --allow-from)', '127.0.0.1')
  .option('--rate <hz>', 'sample rate', integer, 48000)
  .option('--block <frames>', 'block size', integer, 128)
  .option('--lead <blocks>', 'blocks the renderers keep ready ahead of the output', integer, 8)
  .option('--adaptive-lead', 'grow the lead after underruns, shrink it slowly when stable', false)
  .option('--sink <kind>', 'auto | device | null', 'auto')
  .option('--patch <file>', 'patch to start with (default: sine1 → adsr1 → filter1 → out)')
  .option('--slots <n>', 'DSP slots rendering in lockstep: 2 (failover) or 1', integer, 2)
  .option('--data-dir <dir>', 'folder for recordings/ and patches/', './chronus-data')
  .option('--seed <n>', 'seed for noise and random modules', integer, 1)
  .option('--allow-from <cidrs>', 'only accept OSC from these addresses (comma-separated IPv4 CIDRs)')
  .option('--state-dir <dir>', 'keep the journal and periodic snapshots here; restarting on the same folder resumes the patch, parameters and sequencers')
  .option('--snapshot-every <seconds>', 'interval between periodic snapshots (and state-folder bases)', number, 2)
  .option('--allow-fault-injection', 'accept /debug/fault (tests and demos)', false)
  .option('--no-spare-worker', 'do not keep a pre-started worker for fast rejoins (slower rejoins, one idle thread less)')
  .option('--ui', 'serve the live dashboard in the browser (docs/dashboard.md)', false)
  .option('--ui-port <n>', 'dashboard HTTP port', integer, 8080)
  .option('--ui-host <addr>', 'dashboard address to bind (beyond loopback: a token printed at start is required)', '127.0.0.1')
  .action(async (opts: { port: number; host: string; rate: number; block: number; lead: number; adaptiveLead: boolean; sink: string; patch?: string; slots: number; dataDir: string; seed: number; allowFrom?: string; stateDir?: string; snapshotEvery: number; allowFaultInjection: boolean; spareWorker: boolean }) => {
    const { runServe } = await import('./serve-command.js');
    await runServe(opts);
  });

program
  .command('send')
  .description('send one OSC message to a server, or a script of them (-f); errors are printed and exit 1')
  .argument('[address]', 'OSC address, e.g. /gate/adsr1')
  .argument('[args...]', 'arguments: numbers, true/false, or strings; every argument after the address is a value ("- F1", -3), except the send options below (`--` ends those too)')
  .option('-f, --file <file>', 'send the commands of a file, one a line (`/address arg ...`; # comments), over one socket, waiting for each reply; stops at the first /fail')
  .option('--keep-going', 'with -f: go on after a /fail (exit 1 at the end)', false)
  .option('--wait', 'wait for the reply and print it')
  .option('--no-wait', `fire and forget (by default: wait ${BRIEF_WAIT_MS} ms for a /fail)`)
  .option('--timeout <ms>', 'how long --wait and -f wait for a reply', integer, 3000)
  .option('-v, --verbose', 'with -f: print every reply with its line number', false)
  .option('--host <addr>', 'server address (default: $CHRONUS_HOST or 127.0.0.1)')
  .option('--port <n>', 'server port (default: $CHRONUS_PORT or 5005)', integer)
  .passThroughOptions()
  .action(async (address: string | undefined, args: string[], opts: { file?: string; keepGoing: boolean; wait?: boolean; timeout: number; verbose: boolean; host?: string; port?: number }) => {
    if (opts.file !== undefined) {
      if (address !== undefined) throw new UsageError('send: give either -f FILE or an address, not both');
      process.exitCode = await runSendFile(opts.file, opts);
      return;
    }
    if (address === undefined) throw new UsageError('send: an OSC address (e.g. /gate/adsr1) or -f FILE is needed');
    process.exitCode = await runSend(address, args, opts);
  });

program
  .command('status')
  .description('print the server status (/engine/status), readably')
  .option('--host <addr>', 'server address (default: $CHRONUS_HOST or 127.0.0.1)')
  .option('--port <n>', 'server port (default: $CHRONUS_PORT or 5005)', integer)
  .option('--json', 'print the raw JSON', false)
  .action(async (opts: { host?: string; port?: number; json: boolean }) => {
    const target = clientTarget(opts);
    const client = new OscClient(target.host, target.port);
    try {
      const reply = await client.request('/engine/status', [], 3000);
      const status = JSON.parse(String(reply.args[0])) as Record<string, unknown>;
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    } catch (error) {
      process.stderr.write(`chronus status: ${(error as Error).message} (is the server running on ${target.host}:${target.port}?)\n`);
      process.exitCode = 1;
    } finally {
      client.close();
    }
  });

program
  .command('analyze')
  .description('analyse a WAV file: levels, loudness, defects, spectrum, pitch, onsets and tempo (exit 1 when a --check fails)')
  .argument('<file>', 'WAV file')
  .option('--json', 'print the JSON report (schema chronus-analysis/1)', false)
  .option('--check <assertion>', 'a check, e.g. "f0 ≈ 220 Hz ±5 cents", "lufs in [-16, -12]", "no_clip", "onsets = 16" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--bpm <n>', 'the tempo the sequencer ran: onsets are held against its grid', number)
  .option('--steps-per-beat <n>', 'grid steps per beat (default 4)', number)
  .option('--grid-start <seconds>', 'time of the first grid line (default: fitted to the onsets)', number)
  .option('--reference <report.json>', 'a previous --json report: print the differences')
  .option('--arrays', 'full arrays in the JSON (every onset and click, loudness series, third-octave bands)', false)
  .action(async (file: string, opts: { json: boolean; check: string[]; bpm?: number; stepsPerBeat?: number; gridStart?: number; reference?: string; arrays: boolean }) => {
    const { runAnalyze } = await import('./analyze-command.js');
    process.exitCode = runAnalyze(file, opts);
  });

program
  .command('plot')
  .description('draw a WAV file as one PNG: waveform, spectrogram and loudness over time')
  .argument('<file>', 'WAV file')
  .requiredOption('--out <file>', 'PNG file to write')
  .action(async (file: string, opts: { out: string }) => {
    const { runPlot } = await import('./analyze-command.js');
    runPlot(file, opts.out);
  });

program
  .command('mcp')
  .description('serve the Model Context Protocol on stdio for AI agents (tools, resources, prompts; see docs/agents.md)')
  .option('--host <addr>', 'Chronus server address (default: $CHRONUS_HOST or 127.0.0.1)')
  .option('--port <n>', 'Chronus server port (default: $CHRONUS_PORT or 5005)', integer)
  .option('--serve', 'start a Chronus server (on a free port unless --port) and stop it on exit', false)
  .option('--sink <kind>', 'sink of the server started with --serve: auto | device | null', 'null')
  .option('--out-dir <dir>', 'folder for the files hear writes (default: a folder in the temp dir)')
  .action(async (opts: { host?: string; port?: number; serve: boolean; sink: string; outDir?: string }) => {
    // Loaded here, not at start-up: the MCP SDK and zod cost every other command ~100 ms.
    const { runMcp } = await import('./mcp-command.js');
    await runMcp(opts);
  });

program
  .command('docs')
  .description('print the module and OSC references (Markdown), or check/update the generated docs (docs/modules.md, docs/osc.md) with --check/--write')
  .option('--write', 'rewrite the generated documents that are out of date')
  .option('--check', 'exit 1 when a generated document is out of date')
  .action(async (opts: { write?: boolean; check?: boolean }) => {
    const { runDocs } = await import('./docs-command.js');
    process.exitCode = runDocs({ write: opts.write === true, check: opts.check === true });
  });

function formatBytes(bytes: number): string {
  return bytes < 1048576 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`;
}

function formatStatus(status: Record<string, unknown>): string {
  const lines: string[] = [];
  const slots = (status['slotHealth'] as Array<Record<string, unknown>> | undefined) ?? [];
  lines.push(`${status['sampleRate']} Hz, block ${status['blockSize']}, lead ${status['lead']}, sink ${status['sink']}, up ${status['uptimeSeconds']} s`);
  lines.push(`active slot ${status['activeSlot']}; underruns ${status['underruns']}, late cycles ${status['lateCycles']}, failovers ${status['failovers']}, divergences ${status['divergences']}, commits ${status['commits']}`);
  for (const s of slots) {
    const r = s['renderMs'] as Record<string, number>;
    lines.push(`  slot ${s['slot']}: ${s['alive'] === true ? 'alive' : 'DOWN'}, ${s['blocksRendered']} blocks, render mean ${r['mean']} ms p99 ${r['p99']} ms max ${r['max']} ms`);
  }
  const batch = status['batch'] as Record<string, unknown> | null | undefined;
  if (batch !== null && batch !== undefined) {
    const share = batch['batchedShare'] as number | null;
    const arena = batch['arena'] as Record<string, number> | null;
    lines.push(
      `SIMD batch kernels ${batch['status']}` +
        (share === null ? '' : `: ${(100 * share).toFixed(1)} % of batch-group sub-blocks`) +
        (arena === null ? '' : `; wasm arena ${formatBytes(arena['usedBytes']!)} used of ${formatBytes(arena['capacityBytes']!)}, ${arena['heapFallbacks']} heap fallbacks`),
    );
  }
  const rec = status['recording'] as Record<string, unknown> | undefined;
  if (rec?.['recording'] === true) lines.push(`recording ${rec['path']}: ${Number(rec['seconds']).toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}

program.parseAsync().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`chronus: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
});

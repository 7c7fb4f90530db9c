// Benchmark dispatcher: `node dist/bench/main.js <name> [options]` (or `npm run bench -- <name>`).
// Add a benchmark by adding an entry to BENCHES.

import { ENGINE_USAGE, engineBench } from './engine.js';
import { TIMING_USAGE, timingBench } from './timing.js';
import { FAILOVER_USAGE, SOAK_USAGE, failoverBench, soakBench } from './failover-benches.js';
import { BIGCOMMIT_USAGE, bigcommitBench } from './bigcommit-bench.js';
import { MODULES_USAGE, modulesBench } from './modules.js';
import { DRUMS_USAGE, drumsBench } from './drums.js';
import { CONTROL_USAGE, controlBench } from './control-bench.js';
import { DASHBOARD_USAGE, dashboardBench } from './dashboard-bench.js';
import { COMMIT_USAGE, FLOOD_USAGE, LATENCY_USAGE, commitBench, floodBench, latencyBench } from './server-benches.js';

interface Bench {
  readonly run: (args: readonly string[]) => Promise<void>;
  readonly usage: string;
}

const BENCHES: Readonly<Record<string, Bench>> = {
  engine: { run: engineBench, usage: ENGINE_USAGE },
  modules: { run: modulesBench, usage: MODULES_USAGE },
  drums: { run: drumsBench, usage: DRUMS_USAGE },
  latency: { run: latencyBench, usage: LATENCY_USAGE },
  control: { run: controlBench, usage: CONTROL_USAGE },
  flood: { run: floodBench, usage: FLOOD_USAGE },
  commit: { run: commitBench, usage: COMMIT_USAGE },
  bigcommit: { run: bigcommitBench, usage: BIGCOMMIT_USAGE },
  timing: { run: timingBench, usage: TIMING_USAGE },
  failover: { run: failoverBench, usage: FAILOVER_USAGE },
  soak: { run: soakBench, usage: SOAK_USAGE },
  dashboard: { run: dashboardBench, usage: DASHBOARD_USAGE },
};

function usage(): string {
  const lines = Object.values(BENCHES).map((b) => `  ${b.usage.replace(/\n/g, '\n  ')}`);
  return `usage: node dist/bench/main.js <name> [options]\nbenchmarks:\n${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const bench = Object.hasOwn(BENCHES, name) ? BENCHES[name] : undefined;
  if (bench === undefined) {
    process.stderr.write(`unknown benchmark '${name}'\n${usage()}`);
    return 2;
  }
  try {
    await bench.run(args);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

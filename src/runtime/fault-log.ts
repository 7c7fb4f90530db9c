// What failover did, for /engine/status and the notices subscribed clients get: slot faults
// (with the time their replacement took to rejoin), failovers by reason, outages (no slot in
// lockstep: the gap the listener heard).
//
// Threading: main thread.

import { performance } from 'node:perf_hooks';
import { round, sortedQuantile } from './stats.js';

export interface FaultRecord {
  readonly slot: number;
  readonly reason: string;
  readonly block: number;
  readonly atMs: number;
  rejoinMs?: number;
}

export interface Outage {
  readonly startBlock: number;
  readonly startUnderruns: number;
  readonly atMs: number;
  gapBlocks?: number;
  gapMs?: number;
}

/** Failover, rejoin and outage notices, e.g. `/engine/failover 0 1 hang`. */
export type Notice = (address: string, args: ReadonlyArray<number | string>) => void;

/** Fault records kept (the oldest are dropped). */
const FAULTS_KEPT = 1000;

export class FaultLog {
  failovers = 0;
  rejoins = 0;
  readonly failoverReasons = new Map<string, number>();
  private readonly faults: FaultRecord[] = [];
  private readonly outages: Outage[] = [];
  private current: Outage | undefined;

  constructor(private readonly notice: Notice) {}

  /** A slot failed at output block `block`. */
  fault(slot: number, reason: string, block: number): FaultRecord {
    const record: FaultRecord = { slot, reason, block, atMs: performance.now() };
    this.faults.push(record);
    if (this.faults.length > FAULTS_KEPT) this.faults.splice(0, this.faults.length - FAULTS_KEPT);
    return record;
  }

  failover(from: number, to: number, reason: string): void {
    this.failovers++;
    this.failoverReasons.set(reason, (this.failoverReasons.get(reason) ?? 0) + 1);
    this.notice('/engine/failover', [from, to, reason]);
  }

  get inOutage(): boolean {
    return this.current !== undefined;
  }

  /** No slot is in lockstep any more since `record`'s fault. */
  beginOutage(record: FaultRecord, underruns: number): void {
    this.current = { startBlock: record.block, startUnderruns: underruns, atMs: record.atMs };
    this.notice('/engine/outage', ['begin', record.slot, record.reason]);
    process.stderr.write(`chronus: no slot in lockstep after slot ${record.slot} failed (${record.reason}); restarting from the last snapshot and the journal\n`);
  }

  /** Slot `slot` is in lockstep again, `ms` after its fault; ends an outage (`underruns` now). */
  rejoined(slot: number, ms: number, underruns: number, periodMs: number): void {
    this.rejoins++;
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.slot === slot && f.rejoinMs === undefined) {
        f.rejoinMs = ms;
        break;
      }
    }
    this.notice('/engine/rejoin', [slot, round(ms)]);
    const outage = this.current;
    if (outage === undefined) return;
    outage.gapBlocks = underruns - outage.startUnderruns;
    outage.gapMs = outage.gapBlocks * periodMs;
    this.outages.push(outage);
    this.current = undefined;
    this.notice('/engine/outage', ['end', outage.gapBlocks, round(outage.gapMs)]);
    process.stderr.write(`chronus: slot ${slot} resumed after an outage: ${outage.gapBlocks} blocks (${round(outage.gapMs)} ms) of silence\n`);
  }

  /** The /engine/status fields about faults, failovers, rejoins and outages. */
  status(): Record<string, unknown> {
    const rejoinTimes = this.faults.flatMap((f) => (f.rejoinMs === undefined ? [] : [f.rejoinMs])).sort((a, b) => a - b);
    let last: number | undefined;
    for (let i = this.faults.length - 1; i >= 0 && last === undefined; i--) last = this.faults[i]!.rejoinMs;
    return {
      failovers: this.failovers,
      failoverReasons: Object.fromEntries(this.failoverReasons),
      slotFaults: this.faults.length,
      rejoins: this.rejoins,
      rejoinMs: rejoinTimes.length === 0 ? null : { last: round(last!), p50: round(sortedQuantile(rejoinTimes, 0.5)), max: round(sortedQuantile(rejoinTimes, 1)) },
      recentFaults: this.faults.slice(-10).map((f) => ({ slot: f.slot, reason: f.reason, block: f.block, rejoinMs: f.rejoinMs === undefined ? null : round(f.rejoinMs) })),
      outages: this.outages.map((o) => ({ startBlock: o.startBlock, gapBlocks: o.gapBlocks ?? null, gapMs: o.gapMs === undefined ? null : round(o.gapMs) })),
    };
  }
}

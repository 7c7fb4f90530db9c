// The dispatcher: turns each incoming OSC message into a command-table call and its reply.
// The address is parsed once (lookupCommand), arguments checked against the entry's schema,
// a bundle's timetag mapped to a frame, the handler run, and the reply sent: `/done <address>
// ...` or `/fail <address> <code> <message>` (plus `/late` for late timed commands). A handler
// that sent an engine command returns `Sent`; the reply then waits for the frame a slot decides
// for it, unless nobody listens for it (the high-rate /mod path: answered at once, no promise).
//
// Threading: main thread.

import { checkArgs, failure, isSent, lookupCommand, type CommandEntry, type OscValue, type Outcome, type Reply, type Sent } from './command-table.js';
import type { IncomingMessage } from './osc-transport.js';
import type { ServerContext } from './server-context.js';

/** Timetags further ahead than this are refused (E_TOO_FAR): they would pin /sync and queues. */
export const MAX_SCHEDULE_AHEAD_S = 600;

export interface ServerCounters {
  messages: number;
  unknownAddress: number;
  badArgs: number;
  failed: number;
  /** Timetagged messages applied late (answered /late). */
  late: number;
  /** Timetagged messages dropped because late, for clients with /client/late drop. */
  lateDropped: number;
  internalErrors: number;
}

/** What the dispatcher needs from the engine side: frames. */
export interface DispatchFrames {
  /** The sink-clock frame of a wall-clock time (Unix ms): 0 before the clock runs, 'too-far' beyond the horizon. */
  frameForTime(unixMs: number): number | 'too-far';
  /** A lower bound of the frame a command sent now can apply at. */
  earliestFrame(): number;
  /** The frame command `seq` applies at, once a slot decided it (undefined: none did in time). */
  decidedFrame(seq: number, requestedFrame: number): Promise<number | undefined>;
}

export type ReplyFn = (address: string, args: readonly OscValue[]) => void;

export class CommandDispatcher {
  readonly counters: ServerCounters = { messages: 0, unknownAddress: 0, badArgs: 0, failed: 0, late: 0, lateDropped: 0, internalErrors: 0 };
  /** Clients that asked for /mod replies and notifications (/notify). */
  readonly subscribers = new Set<string>();
  private readonly dropLate = new Set<string>();
  /** Per client: commands whose handling has not finished (replies pending). */
  private readonly inFlight = new Map<string, Set<Promise<void>>>();

  constructor(private readonly ctx: ServerContext, private readonly frames: DispatchFrames, private readonly sampleRate: number) {}

  setLatePolicy(client: string, policy: 'apply' | 'drop'): void {
    if (policy === 'drop') this.dropLate.add(client);
    else this.dropLate.delete(client);
  }

  setSubscribed(client: string, on: boolean): void {
    if (on) this.subscribers.add(client);
    else this.subscribers.delete(client);
  }

  /** Handles the messages of one packet, in order. `reply` must not throw (see the server's safeReply). */
  onMessages(messages: readonly IncomingMessage[], client: string, reply: ReplyFn): void {
    for (const message of messages) {
      this.counters.messages++;
      // /sync answers after every earlier command of its client has been answered.
      const earlier = message.address === '/sync' ? this.inFlight.get(client) : undefined;
      let pending: Promise<void> | undefined;
      if (earlier === undefined) {
        try {
          pending = this.dispatch(message, client, reply);
        } catch (error) {
          this.internalError(message, reply, error);
        }
      } else {
        pending = Promise.allSettled([...earlier]).then(() => this.dispatch(message, client, reply));
      }
      if (pending !== undefined) this.track(client, pending.catch((error: unknown) => this.internalError(message, reply, error)));
    }
  }

  /**
   * Handles one message. Returns a promise only when the reply has to wait (a server handler,
   * or a decided frame someone listens for); the high-rate path returns undefined.
   */
  dispatch(message: IncomingMessage, client: string, reply: ReplyFn): Promise<void> | undefined {
    const { address, args } = message;
    const found = lookupCommand(address);
    if (found === undefined) {
      this.counters.unknownAddress++;
      reply('/fail', [address, 'E_UNKNOWN_ADDRESS', `no command at ${address}; see /engine/schema and docs/osc.md`]);
      return undefined;
    }
    const { entry, path } = found;
    const bad = checkArgs(entry, args);
    if (bad !== undefined && !bad.ok) {
      this.counters.badArgs++;
      reply('/fail', [address, bad.code, bad.message]);
      return undefined;
    }
    let frame: number | undefined;
    if (message.timeMs !== undefined) {
      const timed = this.frames.frameForTime(message.timeMs);
      if (timed === 'too-far') {
        this.counters.failed++;
        reply('/fail', [address, 'E_TOO_FAR', `timetag more than ${MAX_SCHEDULE_AHEAD_S} s ahead`]);
        return undefined;
      }
      frame = timed;
      if (this.dropLate.has(client)) {
        const earliest = this.frames.earliestFrame();
        if (frame < earliest) {
          this.counters.lateDropped++;
          reply('/late', [(earliest - frame) / this.sampleRate, address]);
          reply('/fail', [address, 'E_LATE_DROPPED', 'the bundle arrived after its time; dropped (/client/late drop)']);
          return undefined;
        }
      }
    }
    const wantsReply = entry.reply === 'always' || this.subscribers.has(client);
    let outcome: Outcome | Promise<Outcome>;
    try {
      const call = { ctx: this.ctx, address, path, args, client, frame, wantsReply };
      outcome = entry.scope === 'session' ? entry.handler(call) : entry.handler(call);
    } catch (error) {
      this.counters.internalErrors++;
      outcome = failure('E_INTERNAL', String(error));
    }
    if (outcome instanceof Promise) return outcome.then((o) => this.settle(entry, address, o, wantsReply, reply), (error: unknown) => {
      this.counters.internalErrors++;
      return this.settle(entry, address, failure('E_INTERNAL', String(error)), wantsReply, reply);
    });
    return this.settle(entry, address, outcome, wantsReply, reply);
  }

  /** Replies to an outcome; a sent command waits for its frame when someone listens. */
  private settle(entry: CommandEntry, address: string, outcome: Outcome, wantsReply: boolean, reply: ReplyFn): Promise<void> | undefined {
    if (!isSent(outcome)) {
      this.answer(entry, address, outcome, wantsReply, reply);
      return undefined;
    }
    // High-rate path: nobody listens for the reply and it is not timed, so do not wait for it.
    if (!wantsReply && !outcome.timed && outcome.warnings === undefined) {
      this.answer(entry, address, { ok: true, args: [] }, wantsReply, reply);
      return undefined;
    }
    return this.frames.decidedFrame(outcome.sent, outcome.requested).then((frame) => this.answer(entry, address, this.framed(outcome, frame), wantsReply, reply));
  }

  private framed(outcome: Sent, frame: number | undefined): Reply {
    if (frame === undefined) return failure('E_NO_SLOT', `no slot took the ${outcome.what} in time`);
    const late = outcome.timed && frame > outcome.requested ? (frame - outcome.requested) / this.sampleRate : 0;
    return { ok: true, args: [frame, ...(outcome.args ?? []), ...(outcome.warnings ?? []).map((w) => `warning: ${w}`)], ...(late > 0 ? { lateSeconds: late } : {}) };
  }

  private answer(entry: CommandEntry, address: string, result: Reply, wantsReply: boolean, reply: ReplyFn): void {
    if (!result.ok) {
      this.counters.failed++;
      reply('/fail', [address, result.code, result.message]);
      return;
    }
    if (result.lateSeconds !== undefined && result.lateSeconds > 0) {
      this.counters.late++;
      reply('/late', [result.lateSeconds, address]);
    }
    if (wantsReply) {
      if (entry.replyAddress !== undefined) reply(entry.replyAddress, result.args ?? []);
      else reply('/done', [address, ...(result.args ?? [])]);
    }
  }

  private internalError(message: IncomingMessage, reply: ReplyFn, error: unknown): void {
    this.counters.internalErrors++;
    reply('/fail', [message.address, 'E_INTERNAL', String(error)]);
  }

  private track(client: string, handled: Promise<void>): void {
    const pending = this.inFlight.get(client) ?? new Set<Promise<void>>();
    pending.add(handled);
    this.inFlight.set(client, pending);
    void handled.then(() => {
      pending.delete(handled);
      if (pending.size === 0 && this.inFlight.get(client) === pending) this.inFlight.delete(client);
    });
  }
}

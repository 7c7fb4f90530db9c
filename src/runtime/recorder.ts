// Recording: the output worker copies every block it hands to the sink into the record ring;
// the supervisor drains that ring every few ms and streams it to a WAV file, so memory stays
// bounded and the file holds exactly the samples the sink received. The header is rewritten
// after every drain, so a recording cut short by a crash is a readable WAV up to that point.
//
// Threading: main thread.

import { WavWriter, type SampleFormat } from '../io/wav-writer.js';
import { CTL_RECORDING, CTL_RECORD_DROPS, CTL_RECORD_FIRST_BLOCK, CTL_RECORD_READ, CTL_RECORD_WRITE, type SharedViews } from './shared-state.js';

export interface RecordingStatus {
  readonly recording: boolean;
  readonly path?: string;
  readonly seconds: number;
  readonly bytes: number;
  readonly drops: number;
  /** Engine frame of the file's first sample (-1 until the first block arrived). */
  readonly firstFrame: number;
}

export class Recorder {
  private writer: WavWriter | undefined;
  private readonly left: Float32Array;
  private readonly right: Float32Array;

  constructor(private readonly shared: SharedViews) {
    this.left = new Float32Array(shared.config.blockSize);
    this.right = new Float32Array(shared.config.blockSize);
  }

  get active(): boolean {
    return this.writer !== undefined;
  }

  /** Starts streaming to `path` (an absolute path the caller has checked). */
  start(path: string, format: SampleFormat = 's16'): void {
    if (this.writer !== undefined) throw new Error('already recording');
    const ctl = this.shared.ctl;
    this.writer = new WavWriter(path, this.shared.config.sampleRate, 2, format, this.shared.config.blockSize);
    // Discard anything left from an earlier recording, then open the tap.
    Atomics.store(ctl, CTL_RECORD_READ, Atomics.load(ctl, CTL_RECORD_WRITE));
    Atomics.store(ctl, CTL_RECORD_DROPS, 0);
    Atomics.store(ctl, CTL_RECORD_FIRST_BLOCK, -1);
    Atomics.store(ctl, CTL_RECORDING, 1);
  }

  /** Closes the tap, writes what is left and finalises the file. Returns its path and status. */
  stop(): RecordingStatus | undefined {
    if (this.writer === undefined) return undefined;
    Atomics.store(this.shared.ctl, CTL_RECORDING, 0);
    this.drain();
    const status = this.status();
    this.writer.close();
    this.writer = undefined;
    return status;
  }

  /** Moves every block waiting in the record ring to the file. */
  drain(): void {
    const writer = this.writer;
    if (writer === undefined) return;
    const ctl = this.shared.ctl;
    const block = this.shared.config.blockSize;
    const mask = this.shared.config.recordBlocks - 1;
    const record = this.shared.record;
    let read = Atomics.load(ctl, CTL_RECORD_READ);
    const write = Atomics.load(ctl, CTL_RECORD_WRITE);
    if (read === write) return;
    while (read !== write) {
      const base = (read & mask) * 2 * block;
      this.left.set(record.subarray(base, base + block));
      this.right.set(record.subarray(base + block, base + 2 * block));
      writer.write(this.left, this.right, block);
      read = (read + 1) | 0;
    }
    Atomics.store(ctl, CTL_RECORD_READ, read);
    writer.flushHeader();
  }

  status(): RecordingStatus {
    const w = this.writer;
    const drops = Atomics.load(this.shared.ctl, CTL_RECORD_DROPS);
    if (w === undefined) return { recording: false, seconds: 0, bytes: 0, drops, firstFrame: -1 };
    const first = Atomics.load(this.shared.ctl, CTL_RECORD_FIRST_BLOCK);
    const firstFrame = first < 0 ? -1 : first * this.shared.config.blockSize;
    return { recording: true, path: w.path, seconds: w.frames / w.sampleRate, bytes: w.bytes, drops, firstFrame };
  }
}

// Typed facade over the optional dependency `audify` (RtAudio through N-API).
//
// audify is an optionalDependency: it compiles from source at install time (needs
// libasound2-dev and cmake) and is simply absent where it could not build. So nothing here
// refers to its own .d.ts at compile time (tsc must pass without it): the subset we use is
// declared below, mirroring audify 1.10.1's index.d.ts, and the module is loaded with a
// dynamic import whose failure is a value, not an exception.
//
// Threading: loadAudify may run in any thread; an RtAudio instance belongs to the thread that
// created it (its callbacks arrive on that thread's event loop through thread-safe functions).

/** audify's RtAudioFormat values (const enums in its .d.ts, which isolatedModules cannot use). */
export const RTAUDIO_SINT16 = 0x2;
export const RTAUDIO_FLOAT32 = 0x10;
/** audify's RtAudioErrorType values below UNSPECIFIED are warnings (e.g. an ALSA xrun). */
export const RTAUDIO_ERROR_WARNING = 0;
export const RTAUDIO_ERROR_DEBUG_WARNING = 1;

export interface RtAudioDeviceInfo {
  readonly id: number;
  readonly name: string;
  readonly outputChannels: number;
  readonly inputChannels: number;
  readonly isDefaultOutput: number;
  readonly sampleRates: readonly number[];
  readonly preferredSampleRate: number;
  readonly nativeFormats: number;
}

export interface RtAudioStreamParameters {
  readonly deviceId?: number;
  readonly nChannels: number;
  readonly firstChannel?: number;
}

/** The part of audify's RtAudio class Chronus uses. */
export interface RtAudioInstance {
  /** Elapsed stream time, s: device callbacks so far × frames / rate (ticks once per device buffer). */
  readonly streamTime: number;
  openStream(
    outputParameters: RtAudioStreamParameters | null,
    inputParameters: RtAudioStreamParameters | null,
    format: number,
    sampleRate: number,
    frameSize: number,
    streamName: string,
    inputCallback: ((inputData: Buffer) => void) | null,
    frameOutputCallback: (() => void) | null,
    flags?: number,
    errorCallback?: ((type: number, message: string) => void) | null,
  ): number;
  closeStream(): void;
  isStreamOpen(): boolean;
  start(): void;
  stop(): void;
  isStreamRunning(): boolean;
  /** Queues one buffer of exactly frameSize × channels × sample size bytes (copied natively). */
  write(pcm: Buffer): void;
  clearOutputQueue(): void;
  getApi(): string;
  getStreamLatency(): number;
  getStreamSampleRate(): number;
  getDevices(): RtAudioDeviceInfo[];
  getDefaultOutputDevice(): number;
}

export interface AudifyModule {
  readonly RtAudio: new (api?: number) => RtAudioInstance;
}

export type AudifyLoad = { readonly ok: true; readonly audify: AudifyModule } | { readonly ok: false; readonly reason: string };

/** Imports audify if it is installed and its native addon loads. Never throws. */
export async function loadAudify(): Promise<AudifyLoad> {
  // A variable specifier keeps tsc from resolving (and requiring) the optional module.
  const specifier = 'audify';
  try {
    const imported = (await import(specifier)) as { default?: unknown };
    const candidate = (imported.default ?? imported) as Partial<AudifyModule>;
    if (typeof candidate.RtAudio !== 'function') return { ok: false, reason: 'audify loaded but has no RtAudio class' };
    return { ok: true, audify: candidate as AudifyModule };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return { ok: false, reason: 'audify is not installed (it is optional and builds only with libasound2-dev and cmake)' };
    }
    return { ok: false, reason: `audify failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
}

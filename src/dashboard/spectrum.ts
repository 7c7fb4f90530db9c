// Magnitude spectrum for the dashboard: a Hann-windowed radix-2 FFT (iterative Cooley-Tukey,
// bit-reversed input order; Cooley & Tukey 1965, as in Press et al., Numerical Recipes §12.2),
// scaled so that a full-scale sine reads 0 dBFS at its bin (amplitude = 2·|X| / Σw).
//
// Threading: main thread. `analyse` allocates nothing (tables built in the constructor).

/** Lowest level the byte encoding shows, dBFS (byte 0); byte 255 is 0 dBFS and above. */
export const SPECTRUM_FLOOR_DB = -127.5;

export class Spectrum {
  readonly size: number;
  private readonly window: Float64Array;
  private readonly windowSum: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reversed: Uint32Array;

  /** `size`: a power of two (the number of input samples; size/2 bins come out). */
  constructor(size: number) {
    if (!(size >= 4 && (size & (size - 1)) === 0)) throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    this.window = new Float64Array(size);
    let sum = 0;
    for (let i = 0; i < size; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
      this.window[i] = w;
      sum += w;
    }
    this.windowSum = sum;
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.reversed = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
  }

  /**
   * The spectrum of `x` [offset, offset + size) (mono; or the mean of `x` and `y` when `y` is
   * given) into `out` [0, size/2) as bytes: 2 per dB above SPECTRUM_FLOOR_DB, clamped to [0, 255].
   */
  analyse(x: Float32Array, offset: number, out: Uint8Array, y?: Float32Array): void {
    const n = this.size;
    const re = this.re;
    const im = this.im;
    for (let i = 0; i < n; i++) {
      const v = y === undefined ? x[offset + i]! : 0.5 * (x[offset + i]! + y[offset + i]!);
      re[this.reversed[i]!] = v * this.window[i]!;
      im[this.reversed[i]!] = 0;
    }
    for (let half = 1; half < n; half <<= 1) {
      const step = n / (2 * half);
      for (let start = 0; start < n; start += 2 * half) {
        for (let k = 0; k < half; k++) {
          const c = this.cos[k * step]!;
          const s = this.sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const tr = re[b]! * c - im[b]! * s;
          const ti = re[b]! * s + im[b]! * c;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
    const scale = 2 / this.windowSum;
    for (let k = 0; k < n / 2; k++) {
      const magnitude = scale * Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
      const db = magnitude > 0 ? 20 * Math.log10(magnitude) : -1000;
      const byte = Math.round((db - SPECTRUM_FLOOR_DB) * 2);
      out[k] = byte < 0 ? 0 : byte > 255 ? 255 : byte;
    }
  }
}

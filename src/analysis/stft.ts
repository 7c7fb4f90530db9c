// Short-time Fourier magnitudes on fft.js (radix-4, MIT). A Stft owns its buffers; one frame at
// a time, magnitudes amplitude-normalised so a full-scale sine centred on a bin reads ~1.
// Main thread; allocates only in the constructor.

import FFT from 'fft.js';

export class Stft {
  readonly size: number;
  readonly window: Float64Array;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly output: number[];
  private readonly scale: number;

  constructor(size: number) {
    this.size = size;
    this.fft = new FFT(size);
    this.window = new Float64Array(size);
    let sum = 0;
    for (let i = 0; i < size; i++) {
      // Periodic Hann window.
      this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
      sum += this.window[i]!;
    }
    this.scale = 2 / sum;
    this.input = new Float64Array(size);
    this.output = this.fft.createComplexArray() as number[];
  }

  /** Magnitudes of x[start, start + size) (zero outside x), size/2 + 1 bins, into `out`. */
  magnitudes(x: ArrayLike<number>, start: number, out: Float64Array): Float64Array {
    const { size, input, window } = this;
    for (let i = 0; i < size; i++) {
      const j = start + i;
      const v = j >= 0 && j < x.length ? x[j]! : 0;
      input[i] = v * window[i]!;
    }
    this.fft.realTransform(this.output, input);
    const o = this.output;
    for (let k = 0; k <= size / 2; k++) {
      const re = o[2 * k]!;
      const im = o[2 * k + 1]!;
      out[k] = this.scale * Math.sqrt(re * re + im * im);
    }
    return out;
  }
}

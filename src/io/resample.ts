// Sample-rate conversion of whole buffers (loading samples; never on the audio path): windowed-
// sinc band-limited interpolation after J. O. Smith, "Digital Audio Resampling Home Page"
// (CCRMA, https://ccrma.stanford.edu/~jos/resample/), with a Kaiser window (J. F. Kaiser,
// "Nonrecursive digital filter design using the I0-sinh window function", 1974).
//   y(t) = Σ_k x[k] · fc · sinc(fc·(t − k)) · w((t − k)/(ZEROS/fc)),  t = n · fs_in/fs_out,
//   fc = min(1, fs_out/fs_in) (the cutoff follows the lower Nyquist: anti-aliasing when going
//   down), ZEROS = 32 zero crossings each side, Kaiser β = 9 (stop band about −90 dB); the
//   kernel is tabulated at TABLE_STEPS points per zero crossing and interpolated linearly.
// Samples outside the input read as 0.
//
// Threading: any; allocates. Cost: 2·ZEROS/fc multiply-adds per output sample and channel.

const ZEROS = 32;
const TABLE_STEPS = 512;
const BETA = 9;

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

let table: Float64Array | undefined;

/** The windowed sinc at u = i / TABLE_STEPS zero crossings, i = 0 … ZEROS·TABLE_STEPS (+1 guard). */
function kernelTable(): Float64Array {
  if (table !== undefined) return table;
  const n = ZEROS * TABLE_STEPS;
  const t = new Float64Array(n + 2);
  const norm = besselI0(BETA);
  for (let i = 0; i <= n; i++) {
    const u = i / TABLE_STEPS;
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    const r = u / ZEROS;
    t[i] = (sinc * besselI0(BETA * Math.sqrt(Math.max(0, 1 - r * r)))) / norm;
  }
  table = t;
  return t;
}

/** `input` (at `fromRate`) at `toRate`: round(length · toRate / fromRate) samples. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input.slice();
  const t = kernelTable();
  const ratio = fromRate / toRate;
  const fc = Math.min(1, toRate / fromRate);
  const half = ZEROS / fc;
  const outLength = Math.round((input.length * toRate) / fromRate);
  const out = new Float32Array(outLength);
  const scale = fc * TABLE_STEPS;
  const last = input.length - 1;
  for (let n = 0; n < outLength; n++) {
    const pos = n * ratio;
    const lo = Math.max(0, Math.ceil(pos - half));
    const hi = Math.min(last, Math.floor(pos + half));
    let sum = 0;
    for (let k = lo; k <= hi; k++) {
      const u = Math.abs(pos - k) * scale;
      const i = Math.floor(u);
      if (i >= ZEROS * TABLE_STEPS) continue;
      const f = u - i;
      sum += input[k]! * (t[i]! + f * (t[i + 1]! - t[i]!));
    }
    out[n] = sum * fc;
  }
  return out;
}

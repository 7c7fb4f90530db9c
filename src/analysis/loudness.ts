// Loudness per ITU-R BS.1770-4 / EBU R128 (EBU Tech 3341 meter semantics):
// K-weighting (a high-shelf "pre-filter" then the RLB high-pass), mean square per channel,
// channel weights (1.0 for L/R/C, 1.41 for surrounds, LFE excluded), 400 ms gating blocks with
// 75 % overlap, an absolute gate at −70 LUFS and a relative gate 10 LU below the absolutely
// gated loudness. Short-term loudness is the same measure over 3 s, momentary over 400 ms, both
// evaluated every 100 ms.
// The filter coefficients for any sample rate come from the analog prototypes behind the
// standard's 48 kHz tables (shelf at 1681.97 Hz, +4.0 dB, Q 0.7072; high-pass at 38.14 Hz,
// Q 0.5003), bilinear-transformed with prewarping (as derived by Brecht De Man and used by
// libebur128); at 48 kHz they reproduce the tables in BS.1770-4 to within 1e-8.
// Main thread; allocates.

export interface Biquad {
  readonly b0: number; readonly b1: number; readonly b2: number;
  readonly a1: number; readonly a2: number;
}

/** The two K-weighting stages at `sampleRate`. */
export function kWeightingFilters(sampleRate: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return [shelf, highPass];
}

/** BS.1770 channel weights for common layouts (5.0 / 5.1 in L R C (LFE) Ls Rs order). */
export function channelWeights(count: number): number[] {
  if (count === 6) return [1, 1, 1, 0, 1.41, 1.41];
  if (count === 5) return [1, 1, 1, 1.41, 1.41];
  return new Array<number>(count).fill(1);
}

/** Sum over channels of G_i · (K-weighted x_i)², per 100 ms segment (sum, not mean). */
function segmentEnergies(channels: readonly Float32Array[], sampleRate: number, segment: number): Float64Array {
  const n = channels[0]?.length ?? 0;
  const count = Math.floor(n / segment);
  const out = new Float64Array(count);
  const [s1, s2] = kWeightingFilters(sampleRate);
  const weights = channelWeights(channels.length);
  channels.forEach((x, c) => {
    const g = weights[c]!;
    if (g === 0) return;
    let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
    for (let i = 0; i < count * segment; i++) {
      const v = Number.isFinite(x[i]!) ? x[i]! : 0;
      const y = s1.b0 * v + s1.b1 * x1 + s1.b2 * x2 - s1.a1 * y1 - s1.a2 * y2;
      x2 = x1; x1 = v;
      const z = s2.b0 * y + s2.b1 * y1 + s2.b2 * y2 - s2.a1 * z1 - s2.a2 * z2;
      y2 = y1; y1 = y;
      z2 = z1; z1 = z;
      out[Math.floor(i / segment)]! += g * z * z;
    }
  });
  return out;
}

const LOUDNESS_OFFSET = -0.691;
export const ABSOLUTE_GATE_LUFS = -70;
export const RELATIVE_GATE_LU = -10;

export interface LoudnessResult {
  /** Gated integrated loudness, or null when no block passes the gates / the input is < 400 ms. */
  readonly integrated: number | null;
  readonly blocks: number;
  /** Loudness every 100 ms over the preceding 400 ms (null: below −∞ / silent), from 400 ms on. */
  readonly momentary: Array<number | null>;
  /** Loudness every 100 ms over the preceding 3 s, from 3 s on. */
  readonly shortTerm: Array<number | null>;
  readonly stepSeconds: number;
}

function lufs(meanSquare: number): number | null {
  return meanSquare > 0 ? LOUDNESS_OFFSET + 10 * Math.log10(meanSquare) : null;
}

export function measureLoudness(channels: readonly Float32Array[], sampleRate: number): LoudnessResult {
  const segment = Math.round(sampleRate / 10);
  const seg = segmentEnergies(channels, sampleRate, segment);
  const window = (length: number): Array<number | null> => {
    const out: Array<number | null> = [];
    let sum = 0;
    for (let i = 0; i < seg.length; i++) {
      sum += seg[i]!;
      if (i >= length) sum -= seg[i - length]!;
      if (i >= length - 1) out.push(lufs(Math.max(0, sum) / (length * segment)));
    }
    return out;
  };
  // Gating blocks: 400 ms (4 segments), step 100 ms (75 % overlap).
  const blockPower: number[] = [];
  for (let i = 0; i + 4 <= seg.length; i++) blockPower.push((seg[i]! + seg[i + 1]! + seg[i + 2]! + seg[i + 3]!) / (4 * segment));
  const absGated = blockPower.filter((p) => p > 0 && LOUDNESS_OFFSET + 10 * Math.log10(p) > ABSOLUTE_GATE_LUFS);
  let integrated: number | null = null;
  let blocks = 0;
  if (absGated.length > 0) {
    const relativeGate = LOUDNESS_OFFSET + 10 * Math.log10(absGated.reduce((a, b) => a + b, 0) / absGated.length) + RELATIVE_GATE_LU;
    const gated = absGated.filter((p) => LOUDNESS_OFFSET + 10 * Math.log10(p) > relativeGate);
    blocks = gated.length;
    if (gated.length > 0) integrated = lufs(gated.reduce((a, b) => a + b, 0) / gated.length);
  }
  return { integrated, blocks, momentary: window(4), shortTerm: window(30), stepSeconds: segment / sampleRate };
}

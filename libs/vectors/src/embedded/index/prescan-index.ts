import { RandomRotation } from './random-rotation';
import type { TopK } from './top-k';

/** Rows packed into one float64 slot. */
const LANES = 4;
/** Codes are integers in [-CODE_MAX, CODE_MAX] (4 bits). */
const CODE_MAX = 7;
/** A lane's dot product stays below LANE / 2 in magnitude (see the constructor). */
const LANE = 2 ** 13;
/** Coordinates mapped onto the code range: this many standard deviations (the rare larger value is clipped). */
const CLIP_SIGMAS = 3.5;
/** Largest supported number of prescan coordinates (the query keeps at least 4 levels each side). */
export const MAX_PRESCAN_DIMS = 128;

/**
 * Small integer codes of every vector, for a cheap first pass that picks candidates for exact rescoring.
 *
 * A code is the first `k` coordinates of the randomly rotated, centred vector (see {@link RandomRotation}),
 * rounded to integers in [-7, 7]. Four rows share one float64 slot, `c0 + c1·L + c2·L² + c3·L³` with
 * L = 2^13: multiplying the slot by an integer query coordinate and summing over the k coordinates yields the
 * four rows' integer dot products at once, exactly (every magnitude stays below 2^52), so the scan does a
 * quarter of the multiply-adds of a plain loop. V8 has no SIMD, and plain int8 loops measured no faster than
 * float32 there. The coarse rounding adds about 3 % to the error of the estimate, which the random
 * projection dominates (its error shrinks as 1/sqrt(k), not with code precision).
 */
export class PrescanIndex {
  readonly rotation: RandomRotation;
  /** Coordinates kept per vector. */
  readonly k: number;
  /** Mean vector when built: centring shrinks the estimate's error when vectors share a common direction. */
  readonly center: Float64Array;
  /** Number of vectors when built; the owner rebuilds once it has doubled. */
  readonly builtFor: number;
  /** Root mean square of |x - center| over the rows (unit vectors: sqrt(1 - |center|^2)). */
  centeredNorm = 1;
  /** Code units per unit of rotated coordinate. */
  private readonly codeScale: number;
  /** Largest query coordinate, so that a lane's sum k · CODE_MAX · queryMax stays below LANE / 2. */
  private readonly queryMax: number;
  private codes: Int8Array;
  private packed: Float64Array;
  private bias: Float32Array;
  private readonly scratch: Float64Array;

  constructor(
    dim: number,
    k: number,
    seed: number,
    center: Float64Array,
    rms: number,
    capacity: number,
    builtFor: number,
  ) {
    if (k > MAX_PRESCAN_DIMS) throw new Error(`prescan dims ${k} > ${MAX_PRESCAN_DIMS}`);
    this.rotation = new RandomRotation(dim, seed);
    this.k = k;
    this.center = center;
    this.builtFor = builtFor;
    this.codeScale = CODE_MAX / (CLIP_SIGMAS * Math.max(rms, 1e-12));
    this.queryMax = Math.floor((LANE / 2 - 1) / (k * CODE_MAX));
    this.codes = new Int8Array(capacity * k);
    this.packed = new Float64Array(Math.ceil(capacity / LANES) * k);
    this.bias = new Float32Array(capacity);
    this.scratch = new Float64Array(this.rotation.size);
  }

  /** <query, center>: the part of every estimate the codes do not carry. */
  offsetOf(query: Float64Array): number {
    let o = 0;
    for (let j = 0; j < query.length; j++) o += (query[j] as number) * (this.center[j] as number);
    return o;
  }

  /** |query - center|. */
  centeredNormOf(query: Float64Array): number {
    let sq = 0;
    for (let j = 0; j < query.length; j++) sq += ((query[j] as number) - (this.center[j] as number)) ** 2;
    return Math.sqrt(sq);
  }

  /** Grows storage to `capacity` rows. */
  grow(capacity: number): void {
    const k = this.k;
    if (capacity * k <= this.codes.length) return;
    const codes = new Int8Array(capacity * k);
    codes.set(this.codes);
    this.codes = codes;
    const packed = new Float64Array(Math.ceil(capacity / LANES) * k);
    packed.set(this.packed);
    this.packed = packed;
    const bias = new Float32Array(capacity);
    bias.set(this.bias);
    this.bias = bias;
  }

  /** Computes and stores the code of normalised vector `v` at `row`. */
  encode(row: number, v: Float32Array): void {
    const k = this.k;
    const s = this.scratch;
    this.rotation.apply(v, s, this.center, k);
    const off = row * k;
    for (let j = 0; j < k; j++) {
      const c = Math.round((s[j] as number) * this.codeScale);
      this.codes[off + j] = c > CODE_MAX ? CODE_MAX : c < -CODE_MAX ? -CODE_MAX : c;
    }
    let b = 0;
    for (let j = 0; j < v.length; j++) {
      const c = this.center[j] as number;
      b += ((v[j] as number) - c) * c;
    }
    this.bias[row] = b;
    this.repack(row);
  }

  /** Copies row `from`'s code onto row `to`. */
  move(from: number, to: number): void {
    const k = this.k;
    this.codes.copyWithin(to * k, from * k, from * k + k);
    this.bias[to] = this.bias[from] as number;
    this.repack(to);
  }

  /** Rewrites the packed slots of the group holding `row` from the codes of its (up to) four rows. */
  private repack(row: number): void {
    const k = this.k;
    const group = Math.floor(row / LANES);
    const first = group * LANES;
    const rowsHeld = Math.min(LANES, this.codes.length / k - first);
    for (let j = 0; j < k; j++) {
      let v = 0;
      for (let l = rowsHeld - 1; l >= 0; l--) v = v * LANE + (this.codes[(first + l) * k + j] as number);
      this.packed[group * k + j] = v;
    }
  }

  /**
   * Estimates the score of every eligible row in [0, rows) into `estimates` and pushes the best into `heap`.
   * Estimates are unbiased: <x, q> ≈ (n / k) · <code(x), code(q)> + bias(x) + <center, q>.
   */
  scan(query: Float64Array, rows: number, eligible: Uint8Array, heap: TopK, estimates: Float64Array): void {
    const k = this.k;
    const s = this.scratch;
    this.rotation.apply(query, s, this.center, k);
    let maxAbs = 0;
    for (let j = 0; j < k; j++) maxAbs = Math.max(maxAbs, Math.abs(s[j] as number));
    const qScale = maxAbs > 0 ? this.queryMax / maxAbs : 0;
    const q = new Float64Array(k);
    for (let j = 0; j < k; j++) q[j] = Math.round((s[j] as number) * qScale);
    const toScore = qScale > 0 ? this.rotation.size / (k * this.codeScale * qScale) : 0;
    const offset = this.offsetOf(query);
    scanGroups(this.packed, k, q, toScore, offset, this.bias, rows, eligible, heap, estimates);
  }
}

/** Estimate of one row pushed into the heap when it beats the current threshold; returns the new threshold. */
function take(
  dot: number,
  row: number,
  toScore: number,
  offset: number,
  bias: Float32Array,
  heap: TopK,
  estimates: Float64Array,
  threshold: number,
): number {
  const sc = dot * toScore + (bias[row] as number) + offset;
  estimates[row] = sc;
  if (sc <= threshold) return threshold;
  heap.push(sc, row);
  return heap.threshold;
}

/** The hot loop: one multiply-add serves four rows; lanes are split apart once per group. */
function scanGroups(
  packed: Float64Array,
  k: number,
  q: Float64Array,
  toScore: number,
  offset: number,
  bias: Float32Array,
  rows: number,
  eligible: Uint8Array,
  heap: TopK,
  estimates: Float64Array,
): void {
  const groups = Math.ceil(rows / LANES);
  const inv = 1 / LANE;
  let threshold = heap.threshold;
  for (let g = 0; g < groups; g++) {
    const r0 = g * LANES;
    const e0 = eligible[r0] === 1;
    const e1 = r0 + 1 < rows && eligible[r0 + 1] === 1;
    const e2 = r0 + 2 < rows && eligible[r0 + 2] === 1;
    const e3 = r0 + 3 < rows && eligible[r0 + 3] === 1;
    if (!(e0 || e1 || e2 || e3)) continue;
    const off = g * k;
    let a0 = 0;
    let a1 = 0;
    let j = 0;
    for (; j + 1 < k; j += 2) {
      a0 += (packed[off + j] as number) * (q[j] as number);
      a1 += (packed[off + j + 1] as number) * (q[j + 1] as number);
    }
    if (j < k) a0 += (packed[off + j] as number) * (q[j] as number);
    // Peel the lanes from the top: each is an integer below LANE / 2 in magnitude, so rounding is exact.
    let t = a0 + a1;
    const d3 = Math.round(t * inv * inv * inv);
    t -= d3 * LANE * LANE * LANE;
    const d2 = Math.round(t * inv * inv);
    t -= d2 * LANE * LANE;
    const d1 = Math.round(t * inv);
    const d0 = t - d1 * LANE;
    if (e0) threshold = take(d0, r0, toScore, offset, bias, heap, estimates, threshold);
    if (e1) threshold = take(d1, r0 + 1, toScore, offset, bias, heap, estimates, threshold);
    if (e2) threshold = take(d2, r0 + 2, toScore, offset, bias, heap, estimates, threshold);
    if (e3) threshold = take(d3, r0 + 3, toScore, offset, bias, heap, estimates, threshold);
  }
}

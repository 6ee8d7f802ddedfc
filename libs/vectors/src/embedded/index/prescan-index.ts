import { RandomRotation } from './random-rotation';
import type { TopK } from './top-k';

/** Largest int8 code. */
const CODE_MAX = 127;

/**
 * Reduced int8 codes of every vector, for a cheap first pass that picks candidates for exact rescoring.
 *
 * A code is the first `k` coordinates of the randomly rotated, centred vector (see {@link RandomRotation}),
 * scaled to int8. Two rows share one float64 slot: `lo + hi * lane`. Multiplying that slot by an integer
 * query coordinate and summing gives both rows' integer dot products at once, exactly (all magnitudes stay
 * below 2^53), so the scan does half the multiply-adds of a plain loop; V8 has no SIMD, and int8 arithmetic
 * alone measured no faster than float32 there.
 */
export class PrescanIndex {
  readonly rotation: RandomRotation;
  /** Coordinates kept per vector (a multiple of 4). */
  readonly k: number;
  /** Mean vector when built: centring shrinks the estimate's error when vectors share a common direction. */
  readonly center: Float64Array;
  /** Number of vectors when built; the owner rebuilds once it has doubled. */
  readonly builtFor: number;
  /** Root mean square of |x - center| over the rows (unit vectors: sqrt(1 - |center|^2)). */
  centeredNorm = 1;
  /** Code units per unit of rotated coordinate. */
  private readonly codeScale: number;
  /** Largest query coordinate, chosen so a lane's sum stays below lane / 2. */
  private readonly queryMax: number;
  private readonly lane: number;
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
    this.rotation = new RandomRotation(dim, seed);
    this.k = k;
    this.center = center;
    this.builtFor = builtFor;
    // About 4 standard deviations of a coordinate map to the int8 range; the rare larger value is clipped.
    this.codeScale = CODE_MAX / (4 * Math.max(rms, 1e-12));
    this.queryMax = Math.min(1023, Math.floor(2 ** 25 / (k * CODE_MAX)));
    let lane = 1;
    while (lane <= 2 * k * CODE_MAX * this.queryMax) lane *= 2;
    this.lane = lane;
    this.codes = new Int8Array(capacity * k);
    this.packed = new Float64Array(Math.ceil(capacity / 2) * k);
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
    const packed = new Float64Array(Math.ceil(capacity / 2) * k);
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

  private repack(row: number): void {
    const k = this.k;
    const pair = row >> 1;
    const lo = pair * 2 * k;
    const hasHi = (pair * 2 + 1) * k < this.codes.length;
    for (let j = 0; j < k; j++) {
      const hi = hasHi ? (this.codes[lo + k + j] as number) : 0;
      this.packed[pair * k + j] = (this.codes[lo + j] as number) + hi * this.lane;
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
    scanPairs(this.packed, k, q, this.lane, toScore, offset, this.bias, rows, eligible, heap, estimates);
  }
}

/** The hot loop: one multiply-add serves two rows; lanes are split apart once per pair. */
function scanPairs(
  packed: Float64Array,
  k: number,
  q: Float64Array,
  lane: number,
  toScore: number,
  offset: number,
  bias: Float32Array,
  rows: number,
  eligible: Uint8Array,
  heap: TopK,
  estimates: Float64Array,
): void {
  const pairs = (rows + 1) >> 1;
  let threshold = heap.threshold;
  for (let p = 0; p < pairs; p++) {
    const r0 = p << 1;
    const e0 = eligible[r0] === 1;
    const e1 = r0 + 1 < rows && eligible[r0 + 1] === 1;
    if (!e0 && !e1) continue;
    const off = p * k;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < k; j += 4) {
      const o = off + j;
      a0 += (packed[o] as number) * (q[j] as number);
      a1 += (packed[o + 1] as number) * (q[j + 1] as number);
      a2 += (packed[o + 2] as number) * (q[j + 2] as number);
      a3 += (packed[o + 3] as number) * (q[j + 3] as number);
    }
    const t = a0 + a1 + a2 + a3;
    const hi = Math.round(t / lane);
    const lo = t - hi * lane;
    if (e0) {
      const sc = lo * toScore + (bias[r0] as number) + offset;
      estimates[r0] = sc;
      if (sc > threshold) {
        heap.push(sc, r0);
        threshold = heap.threshold;
      }
    }
    if (e1) {
      const sc = hi * toScore + (bias[r0 + 1] as number) + offset;
      estimates[r0 + 1] = sc;
      if (sc > threshold) {
        heap.push(sc, r0 + 1);
        threshold = heap.threshold;
      }
    }
  }
}

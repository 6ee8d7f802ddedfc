import { exactSearch, MetricKind } from 'usearch';

/**
 * Coordinates of a unit vector spread about 1/sqrt(dim) around zero; this many of those standard deviations
 * map onto the int8 range. The rare larger coordinate is clipped, which only blurs the estimate: candidates are
 * always rescored exactly from the float32 rows.
 */
const CLIP_SIGMAS = 4;

/**
 * int8 copies of a column's vectors, scanned by usearch's SIMD kernels (`exactSearch`, by default on one thread,
 * the calling one) to pick candidates for exact float32 rescoring. A native int8 dot product over every row
 * costs about a twentieth of V8's float loop (no SIMD in V8), and 8-bit codes of all coordinates estimate a
 * cosine far better than the prescan's 4-bit codes of 128 rotated ones, so it holds recall on data without
 * structure (random vectors), where graph indexes (HNSW) lose it.
 *
 * The codes are derived state: rebuilt from the float32 rows whenever a collection loads, never stored.
 */
export class Int8Codes {
  private codes: Int8Array;
  private readonly scale: number;
  private readonly query: Int8Array;

  constructor(
    readonly dim: number,
    capacity: number,
  ) {
    this.codes = new Int8Array(capacity * dim);
    this.scale = 127 / (CLIP_SIGMAS / Math.sqrt(dim));
    this.query = new Int8Array(dim);
  }

  /** Grows storage to `capacity` rows (the buffer must start at offset 0: usearch ignores `byteOffset`). */
  grow(capacity: number): void {
    if (capacity * this.dim <= this.codes.length) return;
    const codes = new Int8Array(capacity * this.dim);
    codes.set(this.codes);
    this.codes = codes;
  }

  private encodeInto(v: ArrayLike<number>, out: Int8Array, off: number): void {
    const s = this.scale;
    for (let j = 0; j < this.dim; j++) {
      const x = Math.round((v[j] as number) * s);
      out[off + j] = x > 127 ? 127 : x < -127 ? -127 : x;
    }
  }

  /** Stores the code of normalised vector `v` at `row`. */
  set(row: number, v: Float32Array): void {
    this.encodeInto(v, this.codes, row * this.dim);
  }

  /** Zeroes `row` (an absent vector; it scores 0 and is masked out by the caller anyway). */
  clear(row: number): void {
    this.codes.fill(0, row * this.dim, (row + 1) * this.dim);
  }

  /** Copies row `from`'s code onto row `to`. */
  move(from: number, to: number): void {
    const d = this.dim;
    this.codes.copyWithin(to * d, from * d, from * d + d);
  }

  /**
   * The `k` rows among [0, rows) with the highest estimated inner product with `query`, best first (any row:
   * the caller filters). `k` is capped at `rows`. `threads` > 1 splits the scan over that many native threads.
   */
  top(query: Float64Array, rows: number, k: number, threads = 1): Int32Array {
    const n = Math.min(k, rows);
    if (n <= 0) return new Int32Array(0);
    this.encodeInto(query, this.query, 0);
    const view = new Int8Array(this.codes.buffer, 0, rows * this.dim);
    const m = exactSearch(view, this.query, this.dim, n, MetricKind.IP, Math.max(1, Math.floor(threads)));
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(m.keys[i]);
    return out;
  }

  /**
   * The `k` rows among `among` (row numbers) with the highest estimated inner product with `query`, best first:
   * their codes are gathered into one buffer and scanned like the whole column.
   */
  topAmong(query: Float64Array, among: Int32Array, k: number): Int32Array {
    const n = Math.min(k, among.length);
    if (n <= 0) return new Int32Array(0);
    this.encodeInto(query, this.query, 0);
    const d = this.dim;
    const gathered = new Int8Array(among.length * d);
    for (let i = 0; i < among.length; i++) {
      const r = among[i] as number;
      gathered.set(this.codes.subarray(r * d, r * d + d), i * d);
    }
    const m = exactSearch(gathered, this.query, d, n, MetricKind.IP, 1);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = among[Number(m.keys[i])] as number;
    return out;
  }
}

import { FileRows, MemoryRows, type FloatRows } from './float-rows';
import { Int8Codes } from './int8-codes';
import { dotAt, rescore, rescoreRange } from './kernels';
import { MAX_PRESCAN_DIMS, PrescanIndex } from './prescan-index';
import { TopK } from './top-k';

/** Knobs of the embedded search; the defaults are what `npm run bench:vectors` was tuned with. */
export interface SearchTuning {
  /**
   * How a search too big for brute force picks its candidates: `int8` scans int8 codes of every vector with
   * usearch's SIMD kernels (the default: faster and more accurate, see `npm run bench:vectors`), `prescan`
   * scans 4-bit codes of randomly rotated coordinates in plain JavaScript (the earlier index, kept for the
   * side-by-side benchmark).
   */
  readonly scan: 'int8' | 'prescan';
  /**
   * int8 scan: eligible candidates rescored exactly, max(int8Candidates, 2 x (limit + offset)). The scan asks
   * for that many divided by the share of rows a filter lets through and widens fourfold until it has at
   * least half of them (never fewer than the page).
   */
  readonly int8Candidates: number;
  /**
   * int8 scan: threads usearch scans the codes with (`exactSearch`'s `threads`). One keeps a search on the calling
   * thread; more cut the wall time of a scan over a million rows on idle cores, not its CPU time.
   */
  readonly int8Threads: number;
  /**
   * int8 scan: a column whose float32 rows would take more than this many bytes keeps them in a file beside the
   * collection's log instead of in memory (when the store has a directory), read back only for the candidates a
   * search rescores and for exact scans. 1 M x 512 floats are 1.95 GiB; their int8 codes, which stay in memory, a
   * quarter of that.
   */
  readonly floatMemoryBytes: number;
  /**
   * Up to this many multiply-adds (eligible rows x dim) a search is exact brute force; above it, a prescan
   * on small integer codes picks candidates that are then rescored exactly. 2^22 is about 8 000 rows at 512 dims.
   */
  readonly exactBudget: number;
  /**
   * Rotated coordinates kept per vector for the prescan (at most 128). The estimate's error shrinks as
   * 1/sqrt(prescanDims) whatever the dimension, so this need not grow with it.
   */
  readonly prescanDims: number;
  /** Prescan: candidates rescored exactly at first, max(minCandidates, oversampling x (limit + offset)). */
  readonly oversampling: number;
  readonly minCandidates: number;
  /**
   * How many standard deviations of the estimate's error to widen the rescoring by: every row whose
   * estimate is within `confidence` sigma of the k-th best exact score is rescored too. The error is
   * measured per query on the first candidates, so hard data (few clear neighbours) costs more time, not
   * recall.
   */
  readonly confidence: number;
}

/** Defaults measured by `npm run bench:vectors` (see the README, "Vector storage"). */
export const DEFAULT_TUNING: SearchTuning = {
  scan: 'int8',
  int8Candidates: 64,
  int8Threads: 1,
  floatMemoryBytes: 512 * 2 ** 20,
  exactBudget: 1 << 22,
  prescanDims: 128,
  oversampling: 10,
  minCandidates: 500,
  confidence: 2.5,
};

/** Rows whose estimate error is measured per query. */
const ERROR_SAMPLE = 128;

/** Rows and exact cosine scores, best first. */
export interface ColumnHits {
  readonly rows: Int32Array;
  readonly scores: Float64Array;
}

/**
 * The vectors stored under one name (`image` or `text`) of a collection, one fixed-size row per point, plus
 * the prescan index that cuts the work per row of a large search. Vectors arrive L2-normalised, so dot
 * products are cosines.
 */
export class VectorColumn {
  private rowsStore: FloatRows;
  present: Uint8Array;
  /** Number of rows that hold a vector. */
  count = 0;
  private index: PrescanIndex | undefined;
  private codes: Int8Codes | undefined;
  private estimates = new Float64Array(0);

  constructor(
    readonly dim: number,
    capacity: number,
    private readonly seed: number,
    private readonly tuning: SearchTuning = DEFAULT_TUNING,
    /** Where the float32 rows go once they outgrow {@link SearchTuning.floatMemoryBytes}; none: always memory. */
    private readonly spillFile?: string,
  ) {
    this.rowsStore = new MemoryRows(dim, 0);
    this.present = new Uint8Array(0);
    this.grow(capacity);
  }

  /** Whether the float32 rows live in a file (see {@link SearchTuning.floatMemoryBytes}). */
  get inFile(): boolean {
    return this.rowsStore instanceof FileRows;
  }

  /** The float32 rows in memory, for the prescan index (which never runs over rows in a file). */
  private get data(): Float32Array {
    if (!(this.rowsStore instanceof MemoryRows)) throw new Error('float32 rows are not in memory');
    return this.rowsStore.data;
  }

  get capacity(): number {
    return this.present.length;
  }

  /** Grows the arrays to hold `capacity` rows. */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const old = this.capacity;
    const t = this.tuning;
    if (
      this.spillFile !== undefined &&
      t.scan === 'int8' &&
      this.rowsStore instanceof MemoryRows &&
      capacity * this.dim * 4 > t.floatMemoryBytes
    ) {
      // Move the rows to a file; the codes (kept from now on, whatever the size) are what the search scans.
      const file = new FileRows(this.dim, this.spillFile);
      const mem = this.rowsStore;
      this.codes ??= new Int8Codes(this.dim, old);
      mem.forEach(old, (r, v) => {
        if (this.present[r] !== 1) return;
        file.write(r, v);
        this.codes?.set(r, v);
      });
      this.rowsStore = file;
    } else {
      this.rowsStore.grow(capacity);
    }
    const present = new Uint8Array(capacity);
    present.set(this.present);
    this.present = present;
    this.index?.grow(capacity);
    this.codes?.grow(capacity);
  }

  /** Stores an already normalised vector at `row`. */
  set(row: number, v: Float32Array): void {
    this.rowsStore.write(row, v);
    if (this.present[row] === 0) this.count++;
    this.present[row] = 1;
    this.index?.encode(row, v);
    this.codes?.set(row, v);
  }

  /** Removes the vector at `row`, if any. */
  unset(row: number): void {
    if (this.present[row] === 1) this.count--;
    this.present[row] = 0;
    this.codes?.clear(row);
  }

  /** Moves row `from` onto row `to` (compaction after a delete); `from` ends empty. */
  move(from: number, to: number): void {
    if (this.present[to] === 1) this.count--;
    this.rowsStore.copy(from, to);
    this.present[to] = this.present[from] as number;
    this.present[from] = 0;
    this.index?.move(from, to);
    this.codes?.move(from, to);
    this.codes?.clear(from);
  }

  /**
   * Copies of the vectors at `rows` (undefined where a row holds none), all in one new buffer: a search returns
   * a hundred hits with vectors, and one allocation instead of one per vector keeps that cheap for the garbage
   * collector. Copies, because rows change under later writes (updates, compaction).
   */
  vectors(rows: readonly number[]): (Float32Array | undefined)[] {
    const d = this.dim;
    const buffer = new Float32Array(rows.length * d);
    return rows.map((row, i) => {
      if (this.present[row] !== 1) return undefined;
      this.rowsStore.read(row, buffer, i * d);
      return buffer.subarray(i * d, i * d + d);
    });
  }

  /** A copy of the vector at `row` (which must hold one). */
  vectorAt(row: number): Float32Array {
    const v = new Float32Array(this.dim);
    this.rowsStore.read(row, v);
    return v;
  }

  /** Releases the file the rows may live in. */
  close(): void {
    this.rowsStore.close();
  }

  /** Builds the prescan index now when the column is big enough to use it, so no query pays for it. */
  warm(rows: number): void {
    if (this.count * this.dim <= this.tuning.exactBudget) return;
    if (this.tuning.scan === 'int8') this.ensureCodes(rows);
    else this.ensureIndex(rows);
  }

  /**
   * The `want` best rows among `eligible` ones (a 0/1 mask over rows, already ANDed with {@link present}),
   * with exact cosine scores. Few eligible rows (or `exact`): brute force. Otherwise the int8 prescan keeps
   * the best candidates by estimate and only those are scored exactly.
   */
  search(
    query: Float32Array,
    want: number,
    rows: number,
    eligible: Uint8Array,
    eligibleCount: number,
    exact: boolean,
  ): ColumnHits {
    const q = Float64Array.from(query);
    const t = this.tuning;
    const heap = new TopK(want);
    if (exact || eligibleCount * this.dim <= t.exactBudget) {
      const candidates = Math.max(t.int8Candidates, 2 * want);
      if (!exact && this.inFile && eligibleCount > candidates)
        return this.searchAmong(q, want, rows, eligible, eligibleCount, candidates);
      this.rowsStore.scan(q, rows, eligible, eligibleCount, heap);
      return heap.sorted();
    }
    if (t.scan === 'int8') return this.searchCodes(q, want, rows, eligible, eligibleCount);
    const ix = this.ensureIndex(rows);
    if (this.estimates.length < rows) this.estimates = new Float64Array(this.capacity);
    const est = this.estimates;
    const candidates = new TopK(Math.min(eligibleCount, Math.max(t.minCandidates, t.oversampling * want)));
    ix.scan(q, rows, eligible, candidates, est);
    const first = candidates.rowList();
    const lowest = rescore(this.data, this.dim, q, first, est, heap);
    if (heap.size === want && first.length < eligibleCount && t.confidence > 0) {
      // Any row whose estimate comes within `confidence` errors of the k-th best exact score could still
      // belong in the result: score those exactly as well.
      const floor =
        heap.threshold -
        t.confidence * this.estimateError(ix, q, rows, eligible, eligibleCount, est, heap.threshold);
      if (floor < lowest) rescoreRange(this.data, this.dim, q, rows, eligible, est, floor, lowest, heap);
    }
    return heap.sorted();
  }

  /**
   * The int8 plan: take the best `k` rows of the whole column by int8 estimate, keep the eligible ones and
   * rescore them exactly. `k` is the candidates wanted divided by the eligible share, so a filter passing
   * a tenth of the rows scans for ten times as many; when fewer than half the planned eligible candidates
   * (or fewer than `want`) come back, the scan widens fourfold, and once it would cover most of the column the eligible rows are scored
   * exactly instead. A page is never short while enough rows match.
   */
  private searchCodes(
    q: Float64Array,
    want: number,
    rows: number,
    eligible: Uint8Array,
    eligibleCount: number,
  ): ColumnHits {
    const t = this.tuning;
    const codes = this.ensureCodes(rows);
    const candidates = Math.min(eligibleCount, Math.max(t.int8Candidates, 2 * want));
    const enough = Math.min(eligibleCount, Math.max(want, Math.ceil(candidates / 2)));
    let k = Math.ceil((candidates * rows) / eligibleCount);
    for (;;) {
      const heap = new TopK(want);
      if (k * 2 > rows) {
        this.rowsStore.scan(q, rows, eligible, eligibleCount, heap);
        return heap.sorted();
      }
      const top = codes.top(q, rows, k, t.int8Threads);
      let seen = 0;
      for (let i = 0; i < top.length; i++) {
        const r = top[i] as number;
        if (eligible[r] === 0) continue;
        seen++;
        heap.push(this.rowsStore.dot(r, q), r);
      }
      if (seen >= enough) return heap.sorted();
      k *= 4;
    }
  }

  /**
   * A small filtered set whose float32 rows are in a file: one read per row would cost more than the search (a few
   * microseconds each), so the int8 codes of just the eligible rows pick `candidates` to read and rescore.
   */
  private searchAmong(
    q: Float64Array,
    want: number,
    rows: number,
    eligible: Uint8Array,
    eligibleCount: number,
    candidates: number,
  ): ColumnHits {
    const among = new Int32Array(eligibleCount);
    let n = 0;
    for (let r = 0; r < rows && n < eligibleCount; r++) if (eligible[r] === 1) among[n++] = r;
    const heap = new TopK(want);
    const top = this.ensureCodes(rows).topAmong(q, among.subarray(0, n), candidates);
    for (let i = 0; i < top.length; i++) heap.push(this.rowsStore.dot(top[i] as number, q), top[i] as number);
    return heap.sorted();
  }

  private ensureCodes(rows: number): Int8Codes {
    if (this.codes) return this.codes;
    const codes = new Int8Codes(this.dim, this.capacity);
    this.rowsStore.forEach(rows, (r, v) => {
      if (this.present[r] === 1) codes.set(r, v);
    });
    this.codes = codes;
    return codes;
  }

  /**
   * Standard deviation of the estimate's error for this query near score `at`, measured on a stride sample of
   * eligible rows (not on the candidates: they were picked for high estimates, so their errors are biased).
   * For roughly Gaussian coordinates the error's variance grows with the correlation rho as (1 + rho^2).
   */
  private estimateError(
    ix: PrescanIndex,
    q: Float64Array,
    rows: number,
    eligible: Uint8Array,
    eligibleCount: number,
    est: Float64Array,
    at: number,
  ): number {
    // Every step-th row, eligible or not, yields about ERROR_SAMPLE eligible ones.
    const step = Math.max(1, Math.floor(eligibleCount / ERROR_SAMPLE));
    let n = 0;
    let sq = 0;
    for (let r = step >> 1; r < rows; r += step) {
      if (eligible[r] === 0) continue;
      const e = dotAt(this.data, r * this.dim, q, this.dim) - (est[r] as number);
      sq += e * e;
      n++;
    }
    const norms = ix.centeredNorm * ix.centeredNormOf(q);
    const rho = norms > 0 ? Math.min(1, Math.abs(at - ix.offsetOf(q)) / norms) : 1;
    return Math.sqrt((sq / Math.max(1, n)) * (1 + rho * rho));
  }

  private ensureIndex(rows: number): PrescanIndex {
    const existing = this.index;
    if (existing && this.count <= 2 * existing.builtFor) return existing;
    const d = this.dim;
    const center = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      if (this.present[r] === 0) continue;
      const off = r * d;
      for (let j = 0; j < d; j++) center[j] = (center[j] as number) + (this.data[off + j] as number);
    }
    let centerSq = 0;
    for (let j = 0; j < d; j++) {
      center[j] = (center[j] as number) / Math.max(1, this.count);
      centerSq += (center[j] as number) ** 2;
    }
    let padded = 1;
    while (padded < d) padded <<= 1;
    const k = Math.max(1, Math.min(padded, MAX_PRESCAN_DIMS, Math.round(this.tuning.prescanDims)));
    // Rows are unit vectors, so the mean squared rotated coordinate is (1 - |center|^2) / padded.
    const rms = Math.sqrt(Math.max(1e-6, 1 - centerSq) / padded);
    const ix = new PrescanIndex(d, k, this.seed, center, rms, this.capacity, Math.max(1, this.count));
    ix.centeredNorm = Math.sqrt(Math.max(0, 1 - centerSq));
    for (let r = 0; r < rows; r++) {
      if (this.present[r] === 1) ix.encode(r, this.data.subarray(r * d, r * d + d));
    }
    this.index = ix;
    return ix;
  }
}

/**
 * The k best (highest score) rows seen so far: a binary min-heap over typed arrays, so the hot scan loops
 * allocate nothing and reject most rows with one comparison against {@link threshold}.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private n = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(Math.max(1, capacity));
    this.rows = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.n;
  }

  /** Score a row must beat to enter; -Infinity until the heap is full. */
  get threshold(): number {
    return this.n < this.capacity ? -Infinity : (this.scores[0] as number);
  }

  push(score: number, row: number): void {
    const s = this.scores;
    const r = this.rows;
    if (this.n < this.capacity) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if ((s[p] as number) <= score) break;
        s[i] = s[p] as number;
        r[i] = r[p] as number;
        i = p;
      }
      s[i] = score;
      r[i] = row;
      return;
    }
    if (this.capacity === 0 || score <= (s[0] as number)) return;
    // Replace the root and sift down.
    const n = this.n;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const c = right < n && (s[right] as number) < (s[left] as number) ? right : left;
      if ((s[c] as number) >= score) break;
      s[i] = s[c] as number;
      r[i] = r[c] as number;
      i = c;
    }
    s[i] = score;
    r[i] = row;
  }

  /** The rows held, in no particular order. */
  rowList(): Int32Array {
    return this.rows.slice(0, this.n);
  }

  /** Rows and scores best first; ties broken by lower row for determinism. */
  sorted(): { rows: Int32Array; scores: Float64Array } {
    const idx = Array.from({ length: this.n }, (_, i) => i);
    idx.sort(
      (a, b) =>
        (this.scores[b] as number) - (this.scores[a] as number) ||
        (this.rows[a] as number) - (this.rows[b] as number),
    );
    return {
      rows: Int32Array.from(idx, (i) => this.rows[i] as number),
      scores: Float64Array.from(idx, (i) => this.scores[i] as number),
    };
  }
}

import * as fs from 'node:fs';
import { dotAt } from './kernels';
import type { TopK } from './top-k';

/**
 * Where a column's float32 rows live. The search needs them only to score candidates exactly (a few dozen rows
 * per query once the int8 codes have picked them) and for exact scans of small filtered sets; everything else
 * reads the codes.
 */
export interface FloatRows {
  readonly dim: number;
  /** Makes room for `capacity` rows. */
  grow(capacity: number): void;
  /** Stores `v` (length `dim`) at `row`. */
  write(row: number, v: Float32Array): void;
  /** Copies row `from` onto row `to`. */
  copy(from: number, to: number): void;
  /** Copies row `row` into `out` at `offset`. */
  read(row: number, out: Float32Array, offset?: number): void;
  /** Dot product of row `row` with `q`. */
  dot(row: number, q: Float64Array): number;
  /** Exact scores of every eligible row in [0, rows) pushed into `heap`. */
  scan(q: Float64Array, rows: number, eligible: Uint8Array, eligibleCount: number, heap: TopK): void;
  /** Calls `fn` with each row in [0, rows) in order; `v` is valid only during the call. */
  forEach(rows: number, fn: (row: number, v: Float32Array) => void): void;
  /** Releases what the rows hold outside the heap (a file descriptor). */
  close(): void;
}

/** Rows in one Float32Array: the default, and what small collections keep. */
export class MemoryRows implements FloatRows {
  data: Float32Array;

  constructor(
    readonly dim: number,
    capacity: number,
  ) {
    this.data = new Float32Array(capacity * dim);
  }

  grow(capacity: number): void {
    if (capacity * this.dim <= this.data.length) return;
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data);
    this.data = data;
  }

  write(row: number, v: Float32Array): void {
    this.data.set(v, row * this.dim);
  }

  copy(from: number, to: number): void {
    const d = this.dim;
    this.data.copyWithin(to * d, from * d, from * d + d);
  }

  read(row: number, out: Float32Array, offset = 0): void {
    const d = this.dim;
    out.set(this.data.subarray(row * d, row * d + d), offset);
  }

  dot(row: number, q: Float64Array): number {
    return dotAt(this.data, row * this.dim, q, this.dim);
  }

  scan(q: Float64Array, rows: number, eligible: Uint8Array, _eligibleCount: number, heap: TopK): void {
    const d = this.dim;
    for (let r = 0; r < rows; r++) {
      if (eligible[r] === 0) continue;
      heap.push(dotAt(this.data, r * d, q, d), r);
    }
  }

  forEach(rows: number, fn: (row: number, v: Float32Array) => void): void {
    const d = this.dim;
    for (let r = 0; r < rows; r++) fn(r, this.data.subarray(r * d, r * d + d));
  }

  close(): void {
    // Nothing outside the heap.
  }
}

/** Rows read per positional read when a scan or a walk goes through the whole file. */
const CHUNK_ROWS = 1024;

/**
 * Rows in a file beside the collection's log, read and written with positional I/O: the process keeps none of
 * them, the kernel's page cache keeps what is read often. The file is derived state like the int8 codes: truncated
 * when the collection opens and refilled from its snapshot and log, never synced (the log is what survives a crash).
 * Reads and writes are synchronous: a search scores a few dozen rows (a few microseconds each from the page cache),
 * and the store's writes already run one at a time per collection.
 */
export class FileRows implements FloatRows {
  private readonly fd: number;
  private readonly row: Float32Array;
  private readonly rowBytes: Uint8Array;
  private chunk: Float32Array | undefined;
  private closed = false;

  constructor(
    readonly dim: number,
    readonly file: string,
  ) {
    this.fd = fs.openSync(file, 'w+');
    this.row = new Float32Array(dim);
    this.rowBytes = new Uint8Array(this.row.buffer);
  }

  grow(): void {
    // A file grows as rows are written.
  }

  private bytes(a: Float32Array): Uint8Array {
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  }

  /** Reads `count` rows from `row` into `out`, all of it (a short read means rows were never written: zeros). */
  private readRows(row: number, count: number, out: Uint8Array): void {
    const want = count * this.dim * 4;
    let done = 0;
    while (done < want) {
      const n = fs.readSync(this.fd, out, done, want - done, row * this.dim * 4 + done);
      if (n === 0) break;
      done += n;
    }
    if (done < want) out.fill(0, done, want);
  }

  write(row: number, v: Float32Array): void {
    const b = this.bytes(v.subarray(0, this.dim));
    let done = 0;
    while (done < b.length)
      done += fs.writeSync(this.fd, b, done, b.length - done, row * this.dim * 4 + done);
  }

  copy(from: number, to: number): void {
    this.readRows(from, 1, this.rowBytes);
    this.write(to, this.row);
  }

  read(row: number, out: Float32Array, offset = 0): void {
    this.readRows(row, 1, this.rowBytes);
    out.set(this.row, offset);
  }

  dot(row: number, q: Float64Array): number {
    this.readRows(row, 1, this.rowBytes);
    return dotAt(this.row, 0, q, this.dim);
  }

  scan(q: Float64Array, rows: number, eligible: Uint8Array, eligibleCount: number, heap: TopK): void {
    const d = this.dim;
    // Few eligible rows: one read each; many: the file in chunks, the way a sequential scan reads fastest.
    if (eligibleCount * 16 < rows) {
      for (let r = 0; r < rows; r++) if (eligible[r] === 1) heap.push(this.dot(r, q), r);
      return;
    }
    const chunk = this.chunkBuffer();
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - start);
      let any = false;
      for (let r = start; r < start + n && !any; r++) any = eligible[r] === 1;
      if (!any) continue;
      this.readRows(start, n, this.bytes(chunk));
      for (let i = 0; i < n; i++)
        if (eligible[start + i] === 1) heap.push(dotAt(chunk, i * d, q, d), start + i);
    }
  }

  forEach(rows: number, fn: (row: number, v: Float32Array) => void): void {
    const d = this.dim;
    const chunk = this.chunkBuffer();
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - start);
      this.readRows(start, n, this.bytes(chunk));
      for (let i = 0; i < n; i++) fn(start + i, chunk.subarray(i * d, i * d + d));
    }
  }

  private chunkBuffer(): Float32Array {
    this.chunk ??= new Float32Array(CHUNK_ROWS * this.dim);
    return this.chunk;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

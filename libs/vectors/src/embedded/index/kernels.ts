import type { TopK } from './top-k';

// The hot loops of the embedded search. They take typed arrays and plain numbers only, so V8 keeps them
// monomorphic; four accumulators break the floating-point add dependency chain (measured ~2x over one).

/** Dot product of `q` (length `dim`) with the row of `data` starting at `off`. */
export function dotAt(data: Float32Array, off: number, q: Float64Array, dim: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    const p = off + j;
    a0 += (data[p] as number) * (q[j] as number);
    a1 += (data[p + 1] as number) * (q[j + 1] as number);
    a2 += (data[p + 2] as number) * (q[j + 2] as number);
    a3 += (data[p + 3] as number) * (q[j + 3] as number);
  }
  for (; j < dim; j++) a0 += (data[off + j] as number) * (q[j] as number);
  return a0 + a1 + a2 + a3;
}

/** Exact scores of every eligible row in [0, rows) pushed into `heap`. */
export function exactScan(
  data: Float32Array,
  dim: number,
  q: Float64Array,
  rows: number,
  eligible: Uint8Array,
  heap: TopK,
): void {
  for (let r = 0; r < rows; r++) {
    if (eligible[r] === 0) continue;
    heap.push(dotAt(data, r * dim, q, dim), r);
  }
}

/** Exact scores of the candidate rows pushed into `heap`; returns the lowest estimate among them. */
export function rescore(
  data: Float32Array,
  dim: number,
  q: Float64Array,
  candidates: Int32Array,
  estimates: Float64Array,
  heap: TopK,
): number {
  let lowest = Infinity;
  for (let i = 0; i < candidates.length; i++) {
    const r = candidates[i] as number;
    const e = estimates[r] as number;
    if (e < lowest) lowest = e;
    heap.push(dotAt(data, r * dim, q, dim), r);
  }
  return lowest;
}

/** Exact scores of the eligible rows whose estimate lies in [from, below), pushed into `heap`. */
export function rescoreRange(
  data: Float32Array,
  dim: number,
  q: Float64Array,
  rows: number,
  eligible: Uint8Array,
  estimates: Float64Array,
  from: number,
  below: number,
  heap: TopK,
): void {
  for (let r = 0; r < rows; r++) {
    if (eligible[r] === 0) continue;
    const e = estimates[r] as number;
    if (e >= from && e < below) heap.push(dotAt(data, r * dim, q, dim), r);
  }
}

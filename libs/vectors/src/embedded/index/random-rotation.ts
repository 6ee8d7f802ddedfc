import { Prng } from '../../prng';

/** In-place fast Walsh-Hadamard transform (unnormalised) of a power-of-two length array. */
function fwht(a: Float64Array): void {
  const n = a.length;
  for (let h = 1; h < n; h <<= 1) {
    for (let i = 0; i < n; i += h << 1) {
      for (let j = i; j < i + h; j++) {
        const x = a[j] as number;
        const y = a[j + h] as number;
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
}

/**
 * A random orthogonal transform (two rounds of random sign flips and a Walsh-Hadamard transform): it keeps
 * inner products exactly, and spreads every vector's energy evenly over the coordinates, so the first k
 * rotated coordinates of two vectors give an unbiased estimate of their inner product (scaled by n/k)
 * whatever the data looks like. Costs O(n log n) per vector, no training.
 */
export class RandomRotation {
  /** Output length: the dimension rounded up to a power of two. */
  readonly size: number;
  private readonly signs1: Float64Array;
  private readonly signs2: Float64Array;

  constructor(
    readonly dim: number,
    seed: number,
  ) {
    let n = 1;
    while (n < dim) n <<= 1;
    this.size = n;
    const rng = new Prng(seed);
    this.signs1 = Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
    this.signs2 = Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
  }

  /** Writes the rotation of `x - center` (center optional) into `out` (length {@link size}). */
  apply(x: ArrayLike<number>, out: Float64Array, center?: Float64Array): void {
    const n = this.size;
    const s1 = this.signs1;
    for (let i = 0; i < this.dim; i++)
      out[i] = ((x[i] as number) - (center ? (center[i] as number) : 0)) * (s1[i] as number);
    out.fill(0, this.dim, n);
    fwht(out);
    const s2 = this.signs2;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) * (s2[i] as number);
    fwht(out);
    const scale = 1 / n;
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) * scale;
  }
}

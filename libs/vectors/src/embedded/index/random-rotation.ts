import { Prng } from '../../prng';

/** In-place fast Walsh-Hadamard transform (unnormalised) of a power-of-two length array. */
function fwht(a: Float64Array): void {
  const n = a.length;
  // The first two stages as one radix-4 pass: the generic loop is slowest where its inner runs are shortest.
  let h = 1;
  if (n >= 4) {
    for (let i = 0; i < n; i += 4) {
      const x0 = a[i] as number;
      const x1 = a[i + 1] as number;
      const x2 = a[i + 2] as number;
      const x3 = a[i + 3] as number;
      const s01 = x0 + x1;
      const d01 = x0 - x1;
      const s23 = x2 + x3;
      const d23 = x2 - x3;
      a[i] = s01 + s23;
      a[i + 1] = d01 + d23;
      a[i + 2] = s01 - s23;
      a[i + 3] = d01 - d23;
    }
    h = 4;
  }
  for (; h < n; h <<= 1) {
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
 * A random orthogonal transform: random sign flips, a Walsh-Hadamard transform, then a random permutation of
 * the coordinates (a subsampled randomized Hadamard transform). It keeps inner products exactly and spreads
 * every vector's energy evenly over the coordinates, so the first k output coordinates of two vectors give
 * an unbiased estimate of their inner product (scaled by n/k) whatever the data looks like. O(n log n) per
 * vector, no training.
 */
export class RandomRotation {
  /** Output length: the dimension rounded up to a power of two. */
  readonly size: number;
  private readonly signs: Float64Array;
  /** Output coordinate i is transform coordinate perm[i]. */
  private readonly perm: Int32Array;
  private readonly work: Float64Array;

  constructor(
    readonly dim: number,
    seed: number,
  ) {
    let n = 1;
    while (n < dim) n <<= 1;
    this.size = n;
    const rng = new Prng(seed);
    this.signs = Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    this.perm = perm;
    this.work = new Float64Array(n);
  }

  /**
   * Writes the first `count` coordinates (default all) of the rotation of `x - center` into `out`.
   */
  apply(x: ArrayLike<number>, out: Float64Array, center?: Float64Array, count: number = this.size): void {
    const n = this.size;
    const w = this.work;
    const s = this.signs;
    if (center)
      for (let i = 0; i < this.dim; i++) w[i] = ((x[i] as number) - (center[i] as number)) * (s[i] as number);
    else for (let i = 0; i < this.dim; i++) w[i] = (x[i] as number) * (s[i] as number);
    w.fill(0, this.dim, n);
    fwht(w);
    const scale = 1 / Math.sqrt(n);
    const p = this.perm;
    for (let i = 0; i < count; i++) out[i] = (w[p[i] as number] as number) * scale;
  }
}

import { Prng } from '../prng';
import type { VectorFilter } from '../filter';
import type { PointInput, ProductPayload, VectorName } from '../vector-store';

/** A point of the seeded test dataset, vectors already L2-normalised. */
export interface DatasetPoint {
  readonly id: string;
  readonly vectors: Partial<Record<VectorName, Float32Array>>;
  readonly payload: ProductPayload;
}

export const CATEGORIES = ['shoes', 'bags', 'hats', 'watches', 'toys'] as const;
export const BRANDS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'] as const;
export const COLORS = ['red', 'green', 'blue', 'black', 'white'] as const;

export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  return v.map((x) => x * inv);
}

export function randomUnit(rng: Prng, dim: number): Float32Array {
  return normalize(Float32Array.from({ length: dim }, () => rng.gaussian()));
}

function pick<T>(rng: Prng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)] as T;
}

/**
 * A reproducible catalogue: random unit vectors (about one point in ten lacks its text vector, one in twenty
 * its image vector), payloads covering every filterable field type, prices with cents.
 */
export function makeDataset(seed: number, n: number, dim: number): DatasetPoint[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const r = rng.next();
    const vectors: Partial<Record<VectorName, Float32Array>> = {};
    if (r >= 0.05) vectors.image = randomUnit(rng, dim);
    if (r < 0.05 || r >= 0.15) vectors.text = randomUnit(rng, dim);
    const payload: ProductPayload = {
      category: pick(rng, CATEGORIES),
      brand: pick(rng, BRANDS),
      price: Math.round(rng.next() * 50_000) / 100,
      currency: rng.next() < 0.8 ? 'EUR' : 'USD',
      inStock: rng.next() < 0.7,
      attributes: { color: pick(rng, COLORS), size: 36 + rng.int(10), vegan: rng.next() < 0.3 },
      sku: `SKU-${String(i).padStart(5, '0')}`,
    };
    return { id: rng.uuid(), vectors, payload };
  });
}

export function toInput(p: DatasetPoint): PointInput {
  return { id: p.id, vectors: p.vectors, payload: p.payload };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

type Cond =
  | string
  | number
  | boolean
  | { in: readonly (string | number)[] }
  | { gt?: number; gte?: number; lt?: number; lte?: number };

function holds(value: unknown, cond: Cond | undefined): boolean {
  if (cond === undefined) return true;
  if (typeof cond !== 'object') return value === cond;
  if ('in' in cond) return cond.in.includes(value as string | number);
  if (typeof value !== 'number') return false;
  return (
    (cond.gt === undefined || value > cond.gt) &&
    (cond.gte === undefined || value >= cond.gte) &&
    (cond.lt === undefined || value < cond.lt) &&
    (cond.lte === undefined || value <= cond.lte)
  );
}

/** The filter semantics written out plainly, as the reference the adapters are checked against. */
export function referenceMatches(p: DatasetPoint, f: VectorFilter | undefined): boolean {
  if (!f) return true;
  const pl = p.payload as Record<string, unknown>;
  const attrs = (p.payload.attributes ?? {}) as Record<string, unknown>;
  return (
    holds(pl.category, f.category) &&
    holds(pl.brand, f.brand) &&
    holds(pl.currency, f.currency) &&
    holds(pl.price, f.price) &&
    holds(pl.inStock, f.inStock) &&
    Object.entries(f.attributes ?? {}).every(([k, c]) => holds(attrs[k], c)) &&
    Object.entries(f.fields ?? {}).every(([k, c]) => holds(pl[k], c)) &&
    !(f.excludeIds ?? []).includes(p.id)
  );
}

/** Exact nearest neighbours by brute force: ids and cosine scores, best first. */
export function referenceSearch(
  points: readonly DatasetPoint[],
  vector: VectorName,
  query: Float32Array,
  limit: number,
  filter?: VectorFilter,
  offset = 0,
): { id: string; score: number }[] {
  return points
    .filter((p) => p.vectors[vector] && referenceMatches(p, filter))
    .map((p) => ({ id: p.id, score: cosine(query, p.vectors[vector] as Float32Array) }))
    .sort((a, b) => b.score - a.score)
    .slice(offset, offset + limit);
}

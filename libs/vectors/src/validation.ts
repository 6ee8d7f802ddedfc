import { ValidationError } from '@vitrine/core';
import { normalizeId } from './ids';
import {
  VECTOR_NAMES,
  type CollectionSpec,
  type PointInput,
  type SearchRequest,
  type VectorInput,
  type VectorName,
} from './vector-store';

/** Collection and alias names: safe as Qdrant names and as directory names. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,199}$/;
const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** Limits shared by both adapters, so the same request is valid or invalid everywhere. */
export const LIMITS = {
  maxDim: 4096,
  maxSearchLimit: 1000,
  maxOffset: 100_000,
  maxScrollPage: 10_000,
  maxBatch: 10_000,
} as const;

export { normalizeId };

/** Checks a collection or alias name. */
export function checkName(name: unknown, what = 'collection'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ValidationError(
      `Invalid ${what} name: use a-z, 0-9, _ and -, starting with a letter or digit`,
      {
        name,
      },
    );
  }
  return name;
}

/** Checks a collection spec. */
export function checkSpec(spec: CollectionSpec): void {
  checkName(spec.name);
  if (!Number.isInteger(spec.dim) || spec.dim < 1 || spec.dim > LIMITS.maxDim) {
    throw new ValidationError(`Collection dim must be an integer in 1..${LIMITS.maxDim}`, { dim: spec.dim });
  }
  if (
    spec.vectors.length === 0 ||
    new Set(spec.vectors).size !== spec.vectors.length ||
    !spec.vectors.every((v) => (VECTOR_NAMES as readonly string[]).includes(v))
  ) {
    throw new ValidationError(`Collection vectors must be distinct names among ${VECTOR_NAMES.join(', ')}`, {
      vectors: spec.vectors,
    });
  }
  for (const key of Object.keys(spec.attributeIndexes ?? {})) {
    if (!ATTRIBUTE_KEY.test(key)) throw new ValidationError(`Invalid attribute index key "${key}"`);
  }
}

/**
 * Validates a vector and returns it L2-normalised as a new Float32Array. Rejects a wrong length (when `dim`
 * is known), non-finite values and the zero vector (which has no direction, so no cosine).
 */
export function normalizedVector(v: VectorInput, dim: number | undefined, what: string): Float32Array {
  if (!(v instanceof Float32Array) && !Array.isArray(v)) {
    throw new ValidationError(`${what} must be a Float32Array or an array of numbers`);
  }
  if (dim !== undefined && v.length !== dim) {
    throw new ValidationError(`${what} has dimension ${v.length}, the collection expects ${dim}`, {
      expected: dim,
      actual: v.length,
    });
  }
  const n = v.length;
  if (n === 0 || n > LIMITS.maxDim)
    throw new ValidationError(`${what} has dimension ${n}, expected 1..${LIMITS.maxDim}`);
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new ValidationError(`${what} holds a non-finite value at index ${i}`);
    }
    sq += x * x;
  }
  if (sq === 0) throw new ValidationError(`${what} is the zero vector`);
  const inv = 1 / Math.sqrt(sq);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (v[i] as number) * inv;
  return out;
}

/** A point after validation: canonical id, normalised vectors. */
export interface CheckedPoint {
  readonly id: string;
  readonly vectors: Partial<Record<VectorName, Float32Array>>;
  readonly payload: PointInput['payload'];
}

/**
 * Validates a batch of points against a collection's dimension and vector names (`dim` undefined: the
 * backend checks it).
 */
export function checkPoints(
  points: readonly PointInput[],
  dim: number | undefined,
  names: readonly VectorName[] = VECTOR_NAMES,
): CheckedPoint[] {
  if (points.length > LIMITS.maxBatch) {
    throw new ValidationError(`At most ${LIMITS.maxBatch} points per upsert`, { count: points.length });
  }
  return points.map((p) => {
    const id = normalizeId(p.id);
    const vectors: Partial<Record<VectorName, Float32Array>> = {};
    if (typeof p.vectors !== 'object' || p.vectors === null)
      throw new ValidationError(`Point ${id} has no vectors object`);
    for (const [name, v] of Object.entries(p.vectors) as [string, VectorInput | undefined][]) {
      if (v === undefined) continue;
      if (!(names as readonly string[]).includes(name)) {
        throw new ValidationError(
          `Point ${id} has vector "${name}", the collection holds ${names.join(', ')}`,
        );
      }
      vectors[name as VectorName] = normalizedVector(v, dim, `Vector "${name}" of point ${id}`);
    }
    if (Object.keys(vectors).length === 0) throw new ValidationError(`Point ${id} has no vector`);
    if (typeof p.payload !== 'object' || p.payload === null || Array.isArray(p.payload)) {
      throw new ValidationError(`Point ${id} payload must be an object`);
    }
    return { id, vectors, payload: p.payload };
  });
}

/** Validates the paging part of a search request. */
export function checkSearchPaging(
  req: SearchRequest,
  names: readonly VectorName[] = VECTOR_NAMES,
): { limit: number; offset: number } {
  if (!(names as readonly string[]).includes(req.vector)) {
    throw new ValidationError(
      `Unknown vector "${String(req.vector)}", the collection holds ${names.join(', ')}`,
    );
  }
  const offset = req.offset ?? 0;
  if (!Number.isInteger(req.limit) || req.limit < 1 || req.limit > LIMITS.maxSearchLimit) {
    throw new ValidationError(`limit must be an integer in 1..${LIMITS.maxSearchLimit}`, {
      limit: req.limit,
    });
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > LIMITS.maxOffset) {
    throw new ValidationError(`offset must be an integer in 0..${LIMITS.maxOffset}`, { offset });
  }
  return { limit: req.limit, offset };
}

/** Validates a scroll page size. */
export function checkPageSize(limit: number | undefined): number {
  const n = limit ?? 1000;
  if (!Number.isInteger(n) || n < 1 || n > LIMITS.maxScrollPage) {
    throw new ValidationError(`limit must be an integer in 1..${LIMITS.maxScrollPage}`, { limit });
  }
  return n;
}

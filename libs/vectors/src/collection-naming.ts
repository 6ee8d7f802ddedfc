import { createHash } from 'node:crypto';
import { ValidationError } from '@vitrine/core';

/** The alias readers search through; it always points at the collection of the model in service. */
export const PRODUCTS_ALIAS = 'products';

const SEPARATOR = '__';
const PATTERN = /^([a-z0-9-]+)__([a-z0-9-]+)__([0-9a-f]{8})__g(\d+)$/;

/** A collection name split into its parts (see {@link collectionNameFor}). */
export interface ParsedCollectionName {
  readonly prefix: string;
  readonly modelSlug: string;
  /** First 8 hex digits of sha256(modelId): tells apart model ids whose slugs collide. */
  readonly modelHash: string;
  readonly generation: number;
}

/** Lower-case a-z0-9 and single dashes, at most 40 characters. */
function slug(s: string): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return out || 'model';
}

/** First 8 hex digits of sha256(modelId). */
export function modelHash(modelId: string): string {
  return createHash('sha256').update(modelId).digest('hex').slice(0, 8);
}

/**
 * The collection that holds vectors of `modelId`, generation `generation`:
 * `products__<model-slug>__<hash8>__g<generation>`. Vectors of two models never share a collection, so a
 * model change can never mix vector spaces; a new generation of the same model is a full reindex.
 *
 * @param generation a non-negative integer, typically `Date.now()` at the start of a reindex.
 */
export function collectionNameFor(
  modelId: string,
  generation: number,
  prefix: string = PRODUCTS_ALIAS,
): string {
  if (typeof modelId !== 'string' || modelId.trim() === '')
    throw new ValidationError('modelId must be a non-empty string');
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new ValidationError('generation must be a non-negative integer', { generation });
  }
  return [slug(prefix), slug(modelId), modelHash(modelId), `g${generation}`].join(SEPARATOR);
}

/** Parses a name made by {@link collectionNameFor}; undefined for any other name. */
export function parseCollectionName(name: string): ParsedCollectionName | undefined {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  return {
    prefix: m[1] as string,
    modelSlug: m[2] as string,
    modelHash: m[3] as string,
    generation: Number(m[4]),
  };
}

/** Whether `name` is a collection of `modelId` (any generation). */
export function isCollectionOfModel(name: string, modelId: string): boolean {
  return parseCollectionName(name)?.modelHash === modelHash(modelId);
}

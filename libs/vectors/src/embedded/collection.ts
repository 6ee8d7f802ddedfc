import * as path from 'node:path';
import type { CompiledFilter } from '../filter';
import type { CheckedPoint } from '../validation';
import type { ProductPayload, VectorName } from '../vector-store';
import { DEFAULT_TUNING, VectorColumn, type SearchTuning } from './index/vector-column';
import { PayloadColumns } from './payload-columns';

/** A collection's fixed shape, as recorded in the catalog. */
export interface CollectionMeta {
  readonly dim: number;
  readonly vectors: readonly VectorName[];
  /** Seed of the random rotation of the prescan index (fixed per collection so rebuilds agree). */
  readonly seed: number;
}

/** Freezes a payload and everything in it: stored payloads are handed out to callers without copying. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A scored row, best first. */
export interface RowHit {
  readonly row: number;
  readonly score: number;
}

/**
 * The in-memory state of one embedded collection: dense rows [0, size) of ids, payloads and one
 * {@link VectorColumn} per vector name. Deleting moves the last row into the hole, so scans never skip
 * tombstones. Knows nothing about files; {@link CollectionFiles} persists it.
 */
export class Collection {
  private readonly ids: string[] = [];
  private readonly payloads: ProductPayload[] = [];
  private readonly rowOfId = new Map<string, number>();
  readonly columns: ReadonlyMap<VectorName, VectorColumn>;
  private readonly payloadColumns: PayloadColumns;
  private sortedIds: string[] | undefined;
  private capacity: number;

  /**
   * `dir`: where a column may keep its float32 rows once they outgrow {@link SearchTuning.floatMemoryBytes}
   * (`<vector>.f32`, derived like the int8 codes and rewritten whenever the collection loads); none keeps them in
   * memory.
   */
  constructor(
    readonly meta: CollectionMeta,
    tuning: SearchTuning = DEFAULT_TUNING,
    initialCapacity = 64,
    dir?: string,
  ) {
    this.capacity = initialCapacity;
    this.columns = new Map(
      meta.vectors.map((name, i) => [
        name,
        new VectorColumn(
          meta.dim,
          initialCapacity,
          meta.seed + i,
          tuning,
          dir === undefined ? undefined : path.join(dir, `${name}.f32`),
        ),
      ]),
    );
    this.payloadColumns = new PayloadColumns(initialCapacity);
  }

  get size(): number {
    return this.ids.length;
  }

  rowOf(id: string): number | undefined {
    return this.rowOfId.get(id);
  }

  idAt(row: number): string {
    return this.ids[row] as string;
  }

  payloadAt(row: number): ProductPayload {
    return this.payloads[row] as ProductPayload;
  }

  /** Copies of the vectors of `rows`, by name (see {@link VectorColumn.vectors}). */
  vectorsAt(rows: readonly number[]): Partial<Record<VectorName, Float32Array>>[] {
    const out = rows.map((): Partial<Record<VectorName, Float32Array>> => ({}));
    for (const [name, col] of this.columns) {
      col.vectors(rows).forEach((v, i) => {
        if (v) out[i]![name] = v;
      });
    }
    return out;
  }

  /** Makes room for `extra` more rows. */
  reserve(extra: number): void {
    const needed = this.size + extra;
    if (needed <= this.capacity) return;
    // Doubling keeps appends amortised O(1); a big jump (loading a segment) takes exactly what it needs.
    const cap = Math.max(needed, this.capacity * 2);
    for (const col of this.columns.values()) col.grow(cap);
    this.payloadColumns.grow(cap);
    this.capacity = cap;
  }

  /** Inserts or fully replaces points (a vector missing from a point is removed, as in Qdrant). */
  upsert(points: readonly CheckedPoint[]): void {
    this.reserve(points.length);
    for (const p of points) {
      deepFreeze(p.payload);
      let row = this.rowOfId.get(p.id);
      if (row === undefined) {
        row = this.ids.length;
        this.ids.push(p.id);
        this.payloads.push(p.payload);
        this.rowOfId.set(p.id, row);
      } else {
        this.payloads[row] = p.payload;
      }
      for (const [name, col] of this.columns) {
        const v = p.vectors[name];
        if (v) col.set(row, v);
        else col.unset(row);
      }
      this.payloadColumns.set(row, p.payload);
    }
    this.sortedIds = undefined;
  }

  /** Deletes points by id; unknown ids are ignored. */
  delete(ids: readonly string[]): void {
    for (const id of ids) {
      const row = this.rowOfId.get(id);
      if (row === undefined) continue;
      const last = this.ids.length - 1;
      if (row !== last) {
        const movedId = this.ids[last] as string;
        this.ids[row] = movedId;
        this.payloads[row] = this.payloads[last] as ProductPayload;
        this.rowOfId.set(movedId, row);
        for (const col of this.columns.values()) col.move(last, row);
        this.payloadColumns.move(last, row);
      } else {
        for (const col of this.columns.values()) col.unset(row);
      }
      this.ids.pop();
      this.payloads.pop();
      this.rowOfId.delete(id);
    }
    this.sortedIds = undefined;
  }

  /** A 0/1 mask of the rows that pass `filter` (and hold `vector`, when given), and how many do. */
  eligible(filter: CompiledFilter, vector?: VectorName): { mask: Uint8Array; count: number } {
    const rows = this.size;
    const mask = new Uint8Array(rows);
    if (vector) mask.set((this.columns.get(vector) as VectorColumn).present.subarray(0, rows));
    else mask.fill(1);
    const count = this.payloadColumns.apply(filter, rows, mask, this.payloads, (id) => this.rowOfId.get(id));
    return { mask, count };
  }

  /** The `want` nearest rows to a normalised query among those passing `filter`. */
  search(
    vector: VectorName,
    query: Float32Array,
    want: number,
    filter: CompiledFilter,
    exact: boolean,
  ): RowHit[] {
    const col = this.columns.get(vector) as VectorColumn;
    const { mask, count } = this.eligible(filter, vector);
    if (count === 0) return [];
    const { rows, scores } = col.search(query, want, this.size, mask, count, exact);
    return Array.from(rows, (row, i) => ({ row, score: scores[i] as number }));
  }

  /** Every point, with copies of its vectors (a column's rows may live in a file). */
  *points(): Generator<CheckedPoint> {
    for (let row = 0; row < this.size; row++) {
      const vectors: Partial<Record<VectorName, Float32Array>> = {};
      for (const [name, col] of this.columns) {
        if (col.present[row] === 1) vectors[name] = col.vectorAt(row);
      }
      yield { id: this.ids[row] as string, payload: this.payloads[row] as ProductPayload, vectors };
    }
  }

  /** Releases the files the columns may keep their rows in. */
  close(): void {
    for (const col of this.columns.values()) col.close();
  }

  /** Builds the search indexes ahead of the first query. */
  warm(): void {
    for (const col of this.columns.values()) col.warm(this.size);
  }

  /** Ids in ascending order (cached until the next write), the order Qdrant scrolls in. */
  idsSorted(): readonly string[] {
    this.sortedIds ??= [...this.ids].sort();
    return this.sortedIds;
  }
}

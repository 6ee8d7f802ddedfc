import { conditionMatches, valueAt, type CompiledFilter, type Condition } from '../filter';
import type { ProductPayload } from '../vector-store';

const MISSING = 0;
const STRING = 1;
const NUMBER = 2;
const BOOL = 3;
/** Arrays and objects: evaluated from the payload object itself (rare, so the slow path is fine). */
const COMPLEX = 4;

/**
 * One payload path stored column-wise: a type tag per row plus a number (the value, 0/1 for booleans, or a
 * dictionary code for strings). Filters then run as tight loops over typed arrays instead of walking objects.
 */
class PayloadColumn {
  tags: Uint8Array;
  values: Float64Array;
  private readonly dict = new Map<string, number>();

  constructor(
    readonly path: readonly string[],
    capacity: number,
  ) {
    this.tags = new Uint8Array(capacity);
    this.values = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    if (capacity <= this.tags.length) return;
    const tags = new Uint8Array(capacity);
    tags.set(this.tags);
    this.tags = tags;
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.values = values;
  }

  /** Code of a string, or -1 when no row ever held it. */
  code(s: string): number {
    return this.dict.get(s) ?? -1;
  }

  set(row: number, payload: ProductPayload | undefined): void {
    const v = valueAt(payload, this.path);
    if (typeof v === 'string') {
      let c = this.dict.get(v);
      if (c === undefined) {
        c = this.dict.size;
        this.dict.set(v, c);
      }
      this.tags[row] = STRING;
      this.values[row] = c;
    } else if (typeof v === 'number') {
      this.tags[row] = NUMBER;
      this.values[row] = v;
    } else if (typeof v === 'boolean') {
      this.tags[row] = BOOL;
      this.values[row] = v ? 1 : 0;
    } else {
      this.tags[row] = v === undefined || v === null ? MISSING : COMPLEX;
      this.values[row] = 0;
    }
  }

  move(from: number, to: number): void {
    this.tags[to] = this.tags[from] as number;
    this.values[to] = this.values[from] as number;
    this.tags[from] = MISSING;
  }
}

/** Zeroes `mask[r]` for rows whose value fails `c`; `payloads` serves the rows holding arrays or objects. */
function applyCondition(
  col: PayloadColumn,
  c: Condition,
  rows: number,
  mask: Uint8Array,
  payloads: readonly (ProductPayload | undefined)[],
): void {
  const { tags, values } = col;
  // Each branch turns the condition into (tag, numeric test) once, outside the row loop.
  let tag: number;
  let test: (x: number) => boolean;
  switch (c.kind) {
    case 'eq': {
      const v = c.value;
      if (typeof v === 'string') {
        const code = col.code(v);
        tag = STRING;
        test = (x) => x === code;
      } else if (typeof v === 'number') {
        tag = NUMBER;
        test = (x) => x === v;
      } else {
        const b = v ? 1 : 0;
        tag = BOOL;
        test = (x) => x === b;
      }
      break;
    }
    case 'in': {
      const strings = c.values.length > 0 && typeof c.values[0] === 'string';
      const set = new Set<number>(
        strings ? (c.values as readonly string[]).map((s) => col.code(s)) : (c.values as readonly number[]),
      );
      tag = strings ? STRING : NUMBER;
      test = (x) => set.has(x);
      break;
    }
    case 'range': {
      const { gt, gte, lt, lte } = c.range;
      tag = NUMBER;
      test = (x) =>
        (gt === undefined || x > gt) &&
        (gte === undefined || x >= gte) &&
        (lt === undefined || x < lt) &&
        (lte === undefined || x <= lte);
      break;
    }
  }
  for (let r = 0; r < rows; r++) {
    if (mask[r] === 0) continue;
    const t = tags[r];
    if (t === tag) {
      if (!test(values[r] as number)) mask[r] = 0;
    } else if (t === COMPLEX) {
      if (!conditionMatches(c, payloads[r])) mask[r] = 0;
    } else {
      mask[r] = 0;
    }
  }
}

/**
 * Column-wise copies of the payload paths that filters use, built the first time a path is filtered on and
 * kept in step with every write afterwards.
 */
export class PayloadColumns {
  private readonly columns = new Map<string, PayloadColumn>();
  private capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  grow(capacity: number): void {
    this.capacity = Math.max(this.capacity, capacity);
    for (const col of this.columns.values()) col.grow(capacity);
  }

  set(row: number, payload: ProductPayload): void {
    for (const col of this.columns.values()) col.set(row, payload);
  }

  move(from: number, to: number): void {
    for (const col of this.columns.values()) col.move(from, to);
  }

  /**
   * Zeroes, in a 0/1 `mask` over rows [0, rows), every row that fails `filter`; returns the number of rows
   * left set.
   */
  apply(
    filter: CompiledFilter,
    rows: number,
    mask: Uint8Array,
    payloads: readonly (ProductPayload | undefined)[],
    rowOf: (id: string) => number | undefined,
  ): number {
    if (filter.matchesNothing) {
      mask.fill(0, 0, rows);
      return 0;
    }
    for (const c of filter.conditions)
      applyCondition(this.column(c.path, rows, payloads), c, rows, mask, payloads);
    for (const id of filter.excludeIds) {
      const r = rowOf(id);
      if (r !== undefined) mask[r] = 0;
    }
    let n = 0;
    for (let r = 0; r < rows; r++) n += mask[r] as number;
    return n;
  }

  private column(
    path: readonly string[],
    rows: number,
    payloads: readonly (ProductPayload | undefined)[],
  ): PayloadColumn {
    const key = path.join('\u0000');
    let col = this.columns.get(key);
    if (!col) {
      col = new PayloadColumn(path, this.capacity);
      for (let r = 0; r < rows; r++) col.set(r, payloads[r]);
      this.columns.set(key, col);
    }
    return col;
  }
}

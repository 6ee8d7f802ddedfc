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
  /** Whether any row ever held an array or object here (they need the slow path). */
  hasComplex = false;
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

  get dictSize(): number {
    return this.dict.size;
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
      const complex = v !== undefined && v !== null;
      this.tags[row] = complex ? COMPLEX : MISSING;
      this.hasComplex ||= complex;
      this.values[row] = 0;
    }
  }

  move(from: number, to: number): void {
    this.tags[to] = this.tags[from] as number;
    this.values[to] = this.values[from] as number;
    this.tags[from] = MISSING;
  }
}

/**
 * A condition as a test on the numeric column value of rows carrying `tag`: either membership in a lookup
 * table of codes (strings, booleans, equality) or a closed/open interval (numbers).
 */
interface ColumnTest {
  readonly tag: number;
  /** Codes that pass, for string and boolean columns; undefined for numeric tests. */
  readonly codes?: Uint8Array;
  readonly lo: number;
  readonly hi: number;
  readonly loOpen: boolean;
  readonly hiOpen: boolean;
}

function codeSet(codes: readonly number[], size: number): Uint8Array {
  const set = new Uint8Array(size);
  for (const c of codes) if (c >= 0 && c < size) set[c] = 1;
  return set;
}

function compileTest(col: PayloadColumn, c: Condition): ColumnTest | undefined {
  const all = { lo: -Infinity, hi: Infinity, loOpen: false, hiOpen: false };
  switch (c.kind) {
    case 'eq': {
      const v = c.value;
      if (typeof v === 'string') return { ...all, tag: STRING, codes: codeSet([col.code(v)], col.dictSize) };
      if (typeof v === 'boolean') return { ...all, tag: BOOL, codes: codeSet([v ? 1 : 0], 2) };
      return { tag: NUMBER, lo: v, hi: v, loOpen: false, hiOpen: false };
    }
    case 'in': {
      if (c.values.length > 0 && typeof c.values[0] === 'number') return undefined;
      const codes = (c.values as readonly string[]).map((s) => col.code(s));
      return { ...all, tag: STRING, codes: codeSet(codes, col.dictSize) };
    }
    case 'range': {
      const { gt, gte, lt, lte } = c.range;
      const lo = Math.max(gte ?? -Infinity, gt ?? -Infinity);
      const hi = Math.min(lte ?? Infinity, lt ?? Infinity);
      return {
        tag: NUMBER,
        lo,
        hi,
        loOpen: gt !== undefined && gt >= (gte ?? -Infinity),
        hiOpen: lt !== undefined && lt <= (lte ?? Infinity),
      };
    }
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
  const test = compileTest(col, c);
  if (!test) {
    // A numeric set: few values, checked one by one.
    const set = new Set<number>(c.kind === 'in' ? (c.values as readonly number[]) : []);
    for (let r = 0; r < rows; r++) {
      if (mask[r] === 0) continue;
      const t = tags[r];
      if (t === COMPLEX) mask[r] = conditionMatches(c, payloads[r]) ? 1 : 0;
      else if (t !== NUMBER || !set.has(values[r] as number)) mask[r] = 0;
    }
    return;
  }
  const { tag, codes, lo, hi, loOpen, hiOpen } = test;
  // Branch-free on the pass/fail outcome: with a 50 % filter, a branch there mispredicts half the time.
  // Rows holding arrays or objects keep their bit here and are decided by the slow pass below.
  if (codes) {
    for (let r = 0; r < rows; r++) {
      const t = tags[r] as number;
      const ok = t === tag ? (codes[(values[r] as number) | 0] as number) : t === COMPLEX ? 1 : 0;
      mask[r] = (mask[r] as number) & ok;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const t = tags[r] as number;
      const x = values[r] as number;
      const inRange = (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
      const ok = t === tag ? (inRange ? 1 : 0) : t === COMPLEX ? 1 : 0;
      mask[r] = (mask[r] as number) & ok;
    }
  }
  if (col.hasComplex) {
    for (let r = 0; r < rows; r++) {
      if (mask[r] === 1 && tags[r] === COMPLEX && !conditionMatches(c, payloads[r])) mask[r] = 0;
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

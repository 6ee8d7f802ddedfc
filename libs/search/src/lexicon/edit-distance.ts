/**
 * Damerau-Levenshtein distance (optimal string alignment: insertions, deletions, substitutions and transpositions
 * of adjacent characters), or `max + 1` as soon as it is known to exceed `max`. Spelling correction asks only "is it
 * within 1 or 2", so the bound keeps a scan over a whole vocabulary cheap.
 */
export function boundedDamerau(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  const n = b.length;
  if (rows[0]!.length <= n) rows = [0, 1, 2].map(() => new Int32Array(2 * (n + 1)));
  // Three rows reused across calls: a scan over a large vocabulary must not allocate per word.
  let [prev2, prev, cur] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[n]!, max + 1);
}

let rows: Int32Array[] = [0, 1, 2].map(() => new Int32Array(64));

const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
/** Each row's horizontal stagger on a QWERTY keyboard, in key widths. */
const STAGGER = [0, 0.25, 0.75];
const KEY_AT = new Map<string, { row: number; x: number }>();
ROWS.forEach((keys, row) => [...keys].forEach((k, i) => KEY_AT.set(k, { row, x: i + STAGGER[row]! })));

/** True when `a` and `b` are neighbouring keys on a QWERTY keyboard (a slip of the finger). */
export function adjacentKeys(a: string, b: string): boolean {
  const p = KEY_AT.get(a);
  const q = KEY_AT.get(b);
  if (!p || !q || a === b) return false;
  return Math.abs(p.row - q.row) <= 1 && Math.abs(p.x - q.x) <= 1;
}

/**
 * For two words one edit apart, whether the edit looks like a typing slip: a letter left out or doubled, two
 * letters swapped, or a neighbouring key hit. A substitution of a far key ("plate" for "place", "trap" for "tray")
 * is more often a different word than a slip.
 */
export function looksLikeSlip(typed: string, word: string): boolean {
  if (typed.length !== word.length) return true;
  let i = 0;
  while (i < typed.length && typed[i] === word[i]) i++;
  if (i >= typed.length) return true;
  if (typed[i] === word[i + 1] && typed[i + 1] === word[i] && typed.slice(i + 2) === word.slice(i + 2))
    return true;
  return adjacentKeys(typed[i]!, word[i]!);
}

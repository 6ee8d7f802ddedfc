/** 10^0 .. 10^22: the powers of ten a float64 holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal that reads back as the same float32, as a JavaScript number.
 *
 * Vectors are float32, but a JavaScript number is a float64, and `JSON.stringify` writes a float64 with up to 17
 * significant digits (`0.012345679104328156`). Qdrant keeps float32: it parses a JSON number as float64 and rounds
 * it to float32, so every digit past what float32 holds is bytes on the wire and parse time on the server. The
 * number returned here is the float64 nearest to the shortest decimal (9 significant digits at most) that rounds
 * back to `x` under `Math.fround` (the same float64-then-float32 reading Qdrant does), and `JSON.stringify` writes
 * it with those digits and no more.
 *
 * Fewer digits keep round-tripping as long as they do (a p-digit decimal that reads back as `x` is also a
 * (p+1)-digit one, so the nearest (p+1)-digit decimal is at least as close): the search goes down from 9 digits
 * and stops at the first length that does not. `m / 10^d` with an integer `m` and `d` ≤ 22 is the correctly
 * rounded float64 of the decimal m·10^-d, the same number parsing its text gives, without building any text.
 */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (f === 0 || !Number.isFinite(f)) return f === 0 ? 0 : f;
  // Decimal places that leave 9 significant digits before the point (log10 may be one off: the checks absorb it).
  const top = 8 - Math.floor(Math.log10(Math.abs(f)));
  if (top < 1 || top > 22) return byText(f);
  let best: number | undefined;
  for (let d = top; d >= Math.max(0, top - 8); d--) {
    const y = Math.round(f * POW10[d]!) / POW10[d]!;
    if (Math.fround(y) !== f) break;
    best = y;
    if (d === 0) return byText(f);
  }
  return best ?? byText(f);
}

/** The same, through `toPrecision`: for magnitudes the integer path does not cover (about 4x slower). */
function byText(f: number): number {
  let best = Number(f.toPrecision(9));
  for (let p = 8; p >= 1; p--) {
    const shorter = Number(f.toPrecision(p));
    if (Math.fround(shorter) !== f) break;
    best = shorter;
  }
  return best;
}

/** A float32 vector as the numbers that serialise to its shortest round-trip text ({@link shortestFloat32}). */
export function compactVector(v: Float32Array | readonly number[]): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = shortestFloat32(v[i]!);
  return out;
}

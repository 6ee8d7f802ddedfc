/** RGB pixels, row-major, interleaved. */
export interface RgbPixels {
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * `picture` shrunk so that its longer side is `maxSide` (aspect kept), each output pixel the area-weighted mean of
 * the source pixels it covers (a box filter with fractional edges, as image libraries shrink); unchanged when it is
 * already that small. Separable: rows first, then columns.
 */
export function shrinkRgb(picture: RgbPixels, maxSide: number): RgbPixels {
  const { rgb, width, height } = picture;
  const scale = maxSide / Math.max(width, height);
  if (scale >= 1) return picture;
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const xs = weights(width, w);
  const ys = weights(height, h);
  // Horizontal pass: height rows of w pixels.
  const rows = new Float64Array(height * w * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < w; x++) {
      const { from, ws } = xs[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < ws.length; k++) {
        const i = (y * width + from + k) * 3;
        r += rgb[i]! * ws[k]!;
        g += rgb[i + 1]! * ws[k]!;
        b += rgb[i + 2]! * ws[k]!;
      }
      const o = (y * w + x) * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const { from, ws } = ys[y]!;
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < ws.length; k++) {
        const i = ((from + k) * w + x) * 3;
        r += rows[i]! * ws[k]!;
        g += rows[i + 1]! * ws[k]!;
        b += rows[i + 2]! * ws[k]!;
      }
      const o = (y * w + x) * 3;
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
    }
  }
  return { rgb: out, width: w, height: h };
}

/** Per output index, the first source index it covers and the normalised overlap of each source index. */
function weights(source: number, target: number): { from: number; ws: Float64Array }[] {
  const step = source / target;
  return Array.from({ length: target }, (_, t) => {
    const start = t * step;
    const end = start + step;
    const from = Math.floor(start);
    const to = Math.min(source, Math.ceil(end));
    const ws = new Float64Array(to - from);
    for (let s = from; s < to; s++) ws[s - from] = (Math.min(end, s + 1) - Math.max(start, s)) / step;
    return { from, ws };
  });
}

import { dominantColours } from './dominant-colours';
import { kmeansLab, kmeansLabIndexed } from './kmeans';
import { deltaE, labToSrgb, srgbToLab } from './lab';
import { ColourNamer } from './named-colours';

const namer = new ColourNamer();

/** A w x h RGB picture painted by `paint(x, y)`. */
function picture(
  w: number,
  h: number,
  paint: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(paint(x, y), (y * w + x) * 3);
  return out;
}

const WHITE: [number, number, number] = [255, 255, 255];
const RED: [number, number, number] = [210, 35, 40];
const BLUE: [number, number, number] = [40, 100, 210];
const BLACK: [number, number, number] = [20, 20, 20];

describe('L*a*b*', () => {
  it('matches published values for sRGB primaries and extremes (D65)', () => {
    const [l, a, b] = srgbToLab(255, 0, 0);
    expect(l).toBeCloseTo(53.24, 1);
    expect(a).toBeCloseTo(80.09, 1);
    expect(b).toBeCloseTo(67.2, 1);
    expect(srgbToLab(255, 255, 255)[0]).toBeCloseTo(100, 3);
    expect(srgbToLab(0, 0, 0)[0]).toBeCloseTo(0, 6);
  });

  it('round-trips through sRGB', () => {
    for (const c of [RED, BLUE, [128, 200, 17] as [number, number, number]]) {
      expect(labToSrgb(srgbToLab(...c))).toEqual(c);
    }
  });
});

describe('kmeansLab', () => {
  it('separates two well-apart groups and reports their sizes, largest first', () => {
    const pts: number[] = [];
    for (let i = 0; i < 30; i++) pts.push(...srgbToLab(...RED));
    for (let i = 0; i < 10; i++) pts.push(...srgbToLab(...BLUE));
    const clusters = kmeansLab(Float64Array.from(pts), 3);
    expect(clusters.map((c) => c.size)).toEqual([30, 10]);
    expect(deltaE(clusters[0]!.centre, srgbToLab(...RED))).toBeLessThan(1e-9);
  });

  it('is deterministic', () => {
    const pts = Float64Array.from({ length: 300 }, (_, i) => (i * 7919) % 101);
    expect(kmeansLab(pts, 4)).toEqual(kmeansLab(pts, 4));
  });

  it('gives over distinct colours and their indices the clusters of the expanded points', () => {
    // 40 distinct colours, 2,000 points drawn from them unevenly: a picture's flat areas repeat one colour.
    const values = Float64Array.from({ length: 120 }, (_, i) => ((i * 7919) % 97) - 30);
    const ids = Int32Array.from({ length: 2000 }, (_, i) => ((i * i) % 173) % 40);
    const expanded = new Float64Array(ids.length * 3);
    ids.forEach((v, p) => expanded.set(values.subarray(v * 3, v * 3 + 3), p * 3));
    const indexed = kmeansLabIndexed(values, ids, 5);
    const plain = kmeansLab(expanded, 5);
    expect(indexed.map((c) => c.size)).toEqual(plain.map((c) => c.size));
    expect(indexed.map((c) => c.size).reduce((a, b) => a + b)).toBe(2000);
    indexed.forEach((c, i) => expect(deltaE(c.centre, plain[i]!.centre)).toBeLessThan(1e-9));
  });
});

describe('dominantColours', () => {
  it('finds the product on a white backdrop and ignores the backdrop', () => {
    // A red disc (about 20% of the picture) on white.
    const rgb = picture(40, 40, (x, y) => ((x - 20) ** 2 + (y - 20) ** 2 < 81 ? RED : WHITE));
    const a = dominantColours(rgb, 40, 40, namer);
    expect(a.named[0]).toEqual({ name: 'red', share: 1 });
    expect(a.background).toBe('#ffffff');
    expect(a.foregroundShare).toBeGreaterThan(0.1);
    expect(a.foregroundShare).toBeLessThan(0.3);
  });

  it('keeps a white product inside its outline (only white connected to the border is backdrop)', () => {
    const rgb = picture(40, 40, (x, y) => {
      const r = Math.max(Math.abs(x - 20), Math.abs(y - 20));
      return r < 12 ? WHITE : r < 14 ? BLACK : WHITE;
    });
    const a = dominantColours(rgb, 40, 40, namer);
    expect(a.named.map((c) => c.name)).toEqual(['white', 'black']);
    expect(a.named[0]!.share).toBeGreaterThan(0.6);
  });

  it('uses every pixel of a photo that fills the frame, with shares in proportion', () => {
    const rgb = picture(40, 40, (x) => (x < 30 ? BLUE : RED));
    const a = dominantColours(rgb, 40, 40, namer);
    expect(a.background).toBeNull();
    expect(a.named).toEqual([
      { name: 'blue', share: 0.75 },
      { name: 'red', share: 0.25 },
    ]);
  });

  it('names a white product on white when nothing else is left', () => {
    const a = dominantColours(
      picture(20, 20, () => [250, 250, 250]),
      20,
      20,
      namer,
    );
    expect(a.named[0]!.name).toBe('white');
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => dominantColours(new Uint8Array(10), 4, 4, namer)).toThrow(RangeError);
  });
});

describe('ColourNamer', () => {
  it('folds synonyms to the vocabulary and rejects non-colours', () => {
    expect(namer.canonical('Gray')).toBe('grey');
    expect(namer.canonical('navy')).toBe('blue');
    expect(namer.canonical('leather')).toBeUndefined();
  });
});

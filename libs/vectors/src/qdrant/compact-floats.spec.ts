import { compactVector, shortestFloat32 } from './compact-floats';

describe('shortestFloat32', () => {
  const samples = (): number[] => {
    const out: number[] = [
      0,
      -0,
      1,
      -1,
      0.5,
      0.1,
      1 / 3,
      3.4028234663852886e38,
      1.401298464324817e-45,
      1e-30,
    ];
    out.push(1.1754943508222875e-38, 123456.7, 16777217, -2.5e12, 9.999999e-3, 1e-2, 0.30000001192092896);
    let x = 987654321;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const u = x / 2 ** 32;
      out.push((u - 0.5) * 10 ** Math.floor(u * 12 - 8));
    }
    return out.map((v) => Math.fround(v));
  };

  it('reads back as the same float32 through JSON, as Qdrant reads it (float64, then float32)', () => {
    const bad = samples().filter((f) => {
      const back = JSON.parse(JSON.stringify(shortestFloat32(f))) as number;
      return Math.fround(back) !== (f === 0 ? 0 : f);
    });
    expect(bad).toEqual([]);
  });

  it('has no shorter decimal that would read back the same', () => {
    const digits = (n: number) => n.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;
    const longer = samples().filter((f) => {
      if (f === 0) return false;
      const n = digits(shortestFloat32(f));
      return n > 1 && Math.fround(Number(f.toPrecision(n - 1))) === f;
    });
    expect(longer).toEqual([]);
  });

  it('writes a unit 512-d vector in about 60% of the float64 text', () => {
    const v = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 12.9898) * 0.0441);
    const compact = JSON.stringify(compactVector(v)).length;
    const float64 = JSON.stringify(Array.from(v)).length;
    expect(compact / float64).toBeLessThan(0.65);
    expect(Float32Array.from(JSON.parse(JSON.stringify(compactVector(v))) as number[])).toEqual(v);
  });
});

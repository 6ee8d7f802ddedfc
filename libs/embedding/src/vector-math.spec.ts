import { dot, meanDirection } from './vector-math';

describe('vector math', () => {
  it('dot sums every product, whatever the length (four lanes and the remainder)', () => {
    for (let n = 0; n <= 9; n++) {
      const a = Float32Array.from({ length: n }, (_, i) => i + 1);
      const b = Float32Array.from({ length: n }, (_, i) => (i % 3) - 0.5);
      const expected = Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
      expect(dot(a, b)).toBeCloseTo(expected, 10);
    }
  });

  it('dot of vectors of different lengths covers the shorter one', () => {
    expect(dot(Float32Array.of(1, 2, 3, 4, 5), Float32Array.of(1, 1))).toBe(3);
  });

  it('meanDirection is the unit vector of the sum', () => {
    const m = meanDirection([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
    expect(m[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(m[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(dot(m, m)).toBeCloseTo(1, 6);
  });
});
